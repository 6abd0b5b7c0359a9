import { bearer } from '../support/auth';
import { startTestApp, type TestApp } from '../support/test-app';

const ALLOWED = 'https://app.example.test';
const preflight = (base: string, origin: string) =>
  fetch(`${base}/api/v1/tasks`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'PATCH',
      'access-control-request-headers': 'authorization, content-type, if-match, idempotency-key',
    },
  });

describe('CORS with CORS_ORIGINS set', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: `${ALLOWED}, http://localhost:5173` });
  });
  afterAll(() => t.close());

  it.each([ALLOWED, 'http://localhost:5173'])('answers a preflight from the allowed origin %s', async (origin) => {
    const res = await preflight(t.baseUrl, origin);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    expect(res.headers.get('access-control-allow-methods')).toContain('PATCH');
    expect(res.headers.get('access-control-allow-headers')).toBe(
      'authorization, content-type, if-match, idempotency-key',
    );
    expect(res.headers.get('access-control-max-age')).toBe('600');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/origin/i);
  });

  it('lets an allowed origin read the answer and its ETag, Location and request id', async () => {
    const { authorization } = bearer(t.app);
    const res = await fetch(`${t.baseUrl}/api/v1/tasks`, {
      method: 'POST',
      headers: { origin: ALLOWED, authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'from the browser' }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-expose-headers')!.split(/,\s*/)).toEqual(
      expect.arrayContaining(['ETag', 'Location', 'X-Request-Id', 'X-Consistency-Token', 'Retry-After']),
    );
  });

  it('gives another origin no CORS header (the browser then withholds the answer)', async () => {
    const res = await preflight(t.baseUrl, 'https://evil.example.test');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const get = await fetch(`${t.baseUrl}/health`, { headers: { origin: 'https://evil.example.test' } });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('CORS by default (CORS_ORIGINS unset)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('is off: no preflight answer, no CORS header', async () => {
    const res = await preflight(t.baseUrl, ALLOWED);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const get = await fetch(`${t.baseUrl}/health`, { headers: { origin: ALLOWED } });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });
});
