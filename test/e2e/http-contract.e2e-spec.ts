import pg from 'pg';
import { API_SECURITY_HEADERS } from '../../libs/platform/src/http/security-headers';
import { ProbeModule } from '../support/probe.module';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({}, [ProbeModule]);
});
afterAll(() => t.close());

async function probeWrites(): Promise<number> {
  const pool = t.app.get(pg.Pool);
  const exists = await pool.query(`SELECT to_regclass('probe_writes') AS t`);
  if (!exists.rows[0].t) return 0;
  return Number((await pool.query('SELECT count(*) AS n FROM probe_writes')).rows[0].n);
}

function post(body: string | Uint8Array, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  return fetch(`${t.baseUrl}/api/v1/probe`, { method: 'POST', body, headers });
}

async function expectProblem(res: Response, status: number, code?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body: any = await res.json();
  expect(body).toMatchObject({
    status,
    title: expect.any(String),
    type: expect.any(String),
    detail: expect.any(String),
  });
  expect(body.requestId).toBe(res.headers.get('x-request-id'));
  if (code) expect(body.code).toBe(code);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/);
  return body;
}

describe('HTTP contract of the platform', () => {
  it('answers liveness and readiness', async () => {
    const live = await fetch(`${t.baseUrl}/health`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${t.baseUrl}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, migrations: { status: 'up' } },
    });
  });

  it('accepts valid JSON and writes', async () => {
    const before = await probeWrites();
    const res = await post(JSON.stringify({ name: 'ok', count: 1 }));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ name: 'ok', count: 1 });
    expect(await probeWrites()).toBe(before + 1);
  });

  it('rejects bad input with problem+json, writes nothing, and keeps serving', async () => {
    const before = await probeWrites();
    await expectProblem(await post('{"name": "x", '), 400, 'malformed-json');
    await expectProblem(await post('name=x', { 'content-type': 'text/plain' }), 415, 'unsupported-media-type');
    await expectProblem(await post('name=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
    await expectProblem(
      await post(JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), count: 1 })),
      413,
      'body-too-large',
    );
    await expectProblem(
      await post(JSON.stringify({ name: 'x', count: 1 }), {
        'content-type': 'application/json',
        'x-request-id': 'has spaces in it',
      }),
      400,
      'bad-header',
    );
    expect(await probeWrites()).toBe(before);
    expect((await fetch(`${t.baseUrl}/health`)).status).toBe(200);
  });

  it('answers validation failures with 422 and the fields at fault', async () => {
    const body = await expectProblem(
      await post(JSON.stringify({ name: '', count: -1, extra: true })),
      422,
      'validation-failed',
    );
    const fields = body.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(expect.arrayContaining(['count', 'extra', 'name']));
    for (const e of body.errors) expect(e.message).toEqual(expect.any(String));
  });

  it('answers unknown routes with a 404 problem', async () => {
    const res = await fetch(`${t.baseUrl}/api/v1/nothing-here`);
    const body = await expectProblem(res, 404);
    expect(body.instance).toBe('/api/v1/nothing-here');
  });

  it('echoes a valid X-Request-Id and generates one otherwise', async () => {
    const mine = await fetch(`${t.baseUrl}/health`, { headers: { 'x-request-id': 'abc-123' } });
    expect(mine.headers.get('x-request-id')).toBe('abc-123');
    const generated = await fetch(`${t.baseUrl}/health`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sends security headers: OWASP's REST set on JSON answers, helmet's on the docs pages", async () => {
    for (const url of ['/health', '/api/v1/tasks', '/api/v1/nothing-here']) {
      const res = await fetch(`${t.baseUrl}${url}`);
      expect(Object.fromEntries([...res.headers].filter(([name]) => name in API_SECURITY_HEADERS))).toEqual(
        API_SECURITY_HEADERS,
      );
      expect(res.headers.get('x-xss-protection')).toBeNull();
    }
    const docs = await fetch(`${t.baseUrl}/docs`);
    expect(docs.headers.get('content-type')).toContain('text/html');
    expect(docs.headers.get('x-content-type-options')).toBe('nosniff');
    expect(docs.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(docs.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(docs.headers.get('x-xss-protection')).toBe('0');
  });

  it('publishes the OpenAPI document', async () => {
    const res = await fetch(`${t.baseUrl}/docs-json`);
    expect(res.status).toBe(200);
    const doc: any = await res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect((await fetch(`${t.baseUrl}/docs`)).status).toBe(200);
    // Every success answer with a body documents its shape (a generated client gets types, not `any`).
    const undocumented: string[] = [];
    for (const [path, operations] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(operations)) {
        for (const [status, response] of Object.entries<any>(op.responses ?? {})) {
          const schemas = Object.values<any>(response.content ?? {}).filter((c) => c.schema);
          if (/^2/.test(status) && status !== '204' && schemas.length === 0)
            undocumented.push(`${method.toUpperCase()} ${path} ${status}`);
        }
        if (!Object.keys(op.responses ?? {}).some((s) => /^2/.test(s)))
          undocumented.push(`${method.toUpperCase()} ${path}: no success response`);
      }
    }
    expect(undocumented).toEqual([]);
    const task = doc.paths['/api/v1/tasks/{id}'].get.responses['200'].content['application/json'].schema;
    expect(task.$ref).toBe('#/components/schemas/TaskViewResponse');
    expect(Object.keys(doc.components.schemas.TaskViewResponse.properties)).toEqual(
      expect.arrayContaining(['id', 'version', 'status', 'subtasks', 'category', 'enrichment']),
    );
  });
});
