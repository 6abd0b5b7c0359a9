import { ensureBuilt, spawnNode } from '../support/compiled-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  ensureBuilt();
}, 180_000);
afterAll(() => db?.drop());

/**
 * test/support/traced-app.mjs runs the compiled API with the SDK loaded the production way (the
 * ESM loader hook registered before any app module) and an in-memory exporter.
 */
describe('tracing', () => {
  it('gives one request an HTTP server span with pg children, and ties the projector span of its event to it', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, MIGRATE_ON_START: 'false' };
    delete env.REDIS_URL;
    const run = spawnNode(['test/support/traced-app.mjs'], env);
    expect(await run.exited).toBe(0);
    const line = run
      .output()
      .split('\n')
      .find((l) => l.startsWith('SPANS '));
    expect(line).toBeDefined();
    const { body, signup, spans } = JSON.parse(line!.slice('SPANS '.length)) as {
      body: any;
      signup: number;
      spans: any[];
    };

    const server = spans.find((s) => s.kind === 1 && s.instrumentation === '@fastify/otel');
    expect(server).toMatchObject({
      name: 'GET /api/v1/__test/slow',
      attributes: { 'http.route': '/api/v1/__test/slow', 'http.response.status_code': 200 },
    });
    const sql = spans.filter(
      (s) => s.parentSpanId === server.spanId && s.instrumentation === '@opentelemetry/instrumentation-pg',
    );
    expect(sql.map((s) => s.attributes['db.query.text'])).toContain('SELECT 1 AS one');

    // The request context holds the server span's traceparent: what the event store writes into event metadata.
    expect(body.traceparent).toBe(`00-${server.traceId}-${server.spanId}-01`);

    // The signup's event carries its server span's traceparent; the engine's users_read projector
    // handles it in a CONSUMER span of that trace, with the projection's SQL as children.
    expect(signup).toBe(201);
    const post = spans.find((s) => s.kind === 1 && s.name === 'POST /api/v1/signup');
    expect(post).toBeDefined();
    const projector = spans.find((s) => s.name === 'users_read user.signed_up');
    expect(projector).toMatchObject({
      kind: 4,
      traceId: post.traceId,
      parentSpanId: post.spanId,
      attributes: { 'messaging.consumer.group.name': 'users_read' },
    });
    expect(
      spans.some(
        (s) => s.parentSpanId === projector.spanId && /users_read/.test(String(s.attributes['db.query.text'])),
      ),
    ).toBe(true);
    expect(spans.some((s) => /^fs|^dns|^tcp\.connect/.test(s.name))).toBe(false);
  }, 120_000);
});
