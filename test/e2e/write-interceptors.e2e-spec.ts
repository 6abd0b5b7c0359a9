import { bearer } from '../support/auth';
import { startTestApp, type TestApp } from '../support/test-app';
import { IDEMPOTENCY_IGNORED_DESCRIPTION } from '../../libs/platform/src/idempotency/idempotency.openapi';

// Every POST and PATCH route declares @Idempotent() (IdempotencyInterceptor); reads run no
// interceptor. configureHttp sets X-Consistency-Token on the response of any request whose
// commands committed events (docs/decisions/0069).
let t: TestApp;
let auth: { authorization: string };
let admin: { authorization: string };
const routes: { method: string; url: string }[] = [];
beforeAll(async () => {
  t = await startTestApp({}, [], (app) => {
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRoute', (route: { method: string | string[]; url: string }) => {
        for (const method of [route.method].flat()) routes.push({ method, url: route.url });
      });
  });
  auth = bearer(t.app);
  admin = bearer(t.app, { roles: ['user', 'admin'] });
}, 60_000);
afterAll(() => t?.close());

const tooLongKey = 'k'.repeat(256); // the key's limit is 255 characters
const send = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
  fetch(`${t.baseUrl}/api/v1${path}`, {
    method,
    headers: { ...auth, ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });

describe('interceptors on writes and reads', () => {
  it('every POST and PATCH route keeps responses by Idempotency-Key (a malformed key is a 400), unless its OpenAPI operation says the key is ignored', async () => {
    const document = (await (await fetch(`${t.baseUrl}/docs-json`)).json()) as {
      paths: Record<string, Record<string, { parameters?: { name: string; description?: string }[] }>>;
    };
    const writes = routes.filter((r) => (r.method === 'POST' || r.method === 'PATCH') && r.url.startsWith('/api/v1/'));
    expect(writes.length).toBeGreaterThanOrEqual(5);
    for (const { method, url } of writes) {
      const operation = document.paths[url.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
      const ignored = operation?.parameters?.some(
        (p) => p.name === 'Idempotency-Key' && p.description === IDEMPOTENCY_IGNORED_DESCRIPTION,
      );
      const path = url.replace(/:\w+/g, '00000000-0000-4000-8000-000000000000');
      const res = await fetch(`${t.baseUrl}${path}`, {
        method,
        headers: { ...admin, 'idempotency-key': tooLongKey, 'content-type': 'application/json' },
        body: '{}',
      });
      const problem = (await res.json()) as { type?: string };
      const refused = res.status === 400 && String(problem.type).endsWith('invalid-idempotency-key');
      expect(`${method} ${url} refuses a malformed key: ${refused}`).toBe(
        `${method} ${url} refuses a malformed key: ${!ignored}`,
      );
    }
  });

  it('a write is idempotent under its key and answers its X-Consistency-Token', async () => {
    const key = `write-${Date.now()}`;
    const first = await send('POST', '/tasks', { 'idempotency-key': key }, { title: 'Intercepted' });
    const again = await send('POST', '/tasks', { 'idempotency-key': key }, { title: 'Intercepted' });
    expect(first.status).toBe(201);
    expect(first.headers.get('x-consistency-token')).toMatch(/^\d+\.\d+$/);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);

    const bad = await send('POST', '/tasks', { 'idempotency-key': tooLongKey }, { title: 'Bad key' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { type: string }).type).toContain('invalid-idempotency-key');

    const { id } = (await (await send('POST', '/tasks', {}, { title: 'To delete' })).json()) as { id: string };
    const deleted = await send('DELETE', `/tasks/${id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.headers.get('x-consistency-token')).toMatch(/^\d+\.\d+$/);
  });

  it('a read runs neither: an Idempotency-Key is ignored (even a malformed one), nothing is replayed, no X-Consistency-Token', async () => {
    const list = await send('GET', '/tasks', { 'idempotency-key': tooLongKey });
    expect(list.status).toBe(200);
    const key = `read-${Date.now()}`;
    const reads = [
      await send('GET', '/tasks', { 'idempotency-key': key }),
      await send('GET', '/tasks', { 'idempotency-key': key }),
    ];
    for (const read of reads) {
      expect(read.status).toBe(200);
      expect(read.headers.get('idempotent-replayed')).toBeNull();
      expect(read.headers.get('x-consistency-token')).toBeNull();
    }
  });
});
