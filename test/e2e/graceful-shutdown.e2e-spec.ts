import net from 'node:net';
import { ensureBuilt, spawnNode } from '../support/compiled-app';
import { freePort, waitFor } from '../support/free-port';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  ensureBuilt();
}, 180_000);
afterAll(() => db?.drop());

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** `npm start <role>` on `port` against the test database, without Redis, logging at info; `settings` add to that. */
function start(role: 'api' | 'worker', port: number, settings: NodeJS.ProcessEnv = {}) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: db.url,
    LOG_LEVEL: 'info',
    ...settings,
  };
  delete env.REDIS_URL;
  return spawnNode(['apps/cli/start.mjs', role], env);
}

const DRAIN_DELAY_MS = 2_500;

describe('graceful shutdown of the real process (npm start)', () => {
  it('on SIGTERM: /ready 503 at once, new connections refused after the drain delay, in-flight requests complete, exit 0', async () => {
    const port = await freePort();
    const app = start('api', port, {
      MIGRATE_ON_START: 'false',
      RUN_WORKER_IN_API: 'true',
      TEST_SLOW_ROUTE: 'true',
      SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
      SHUTDOWN_GRACE_MS: '20000',
      // npm start loads tracing (in a child process) only when an exporter is configured; nothing
      // listens on this port, the batch exporter just drops its spans.
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
    });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => ((await fetch(`${base}/ready`)).status === 200 ? true : undefined), 60_000, 'ready');

    // One caller sends a traceparent: with tracing loaded but no exporter nothing is recorded,
    // yet the trace id reaches the log lines and the request context (event metadata).
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const inFlight = Array.from({ length: 6 }, (_, i) =>
      fetch(`${base}/api/v1/__test/slow?ms=4000`, { headers: i === 0 ? { traceparent } : {} }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { traceparent?: string; waitedMs: number; database: number },
      })),
    );
    await new Promise((r) => setTimeout(r, 300));
    const signalled = Date.now();
    app.child.kill('SIGTERM');

    // Readiness turns 503 first, while the listener still accepts connections (the drain delay);
    // only then are new connections refused. Ordered by conditions, not by a time budget.
    await waitFor(
      async () => ((await fetch(`${base}/ready`)).status === 503 ? true : undefined),
      30_000,
      '/ready to turn 503',
    );
    expect(await connects(port)).toBe(true);
    await waitFor(async () => ((await connects(port)) ? undefined : true), 30_000, 'new connections to be refused');
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(DRAIN_DELAY_MS);

    const results = await Promise.all(inFlight);
    expect(results).toEqual(
      Array.from({ length: 6 }, () => ({
        status: 200,
        body: expect.objectContaining({ waitedMs: 4000, database: 1 }),
      })),
    );
    // The request joins the caller's trace (its own span id when the SDK records one).
    expect(results[0].body.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    const code = await app.exited;
    if (code !== 0) process.stderr.write(app.output());
    expect(code).toBe(0);
    expect(app.output()).toContain('shutting down: readiness now 503');
    expect(app.output()).toContain('"msg":"stopped"');
    const completed = app
      .output()
      .split('\n')
      .filter((l) => l.includes('"msg":"request completed"') && l.includes('__test/slow'));
    expect(completed).toHaveLength(6);
    expect(completed.filter((l) => l.includes('"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"'))).toHaveLength(1);
  }, 120_000);

  it('the worker serves /health, /ready and /metrics on its PORT and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const worker = start('worker', port, { SHUTDOWN_DRAIN_DELAY_MS: '100' });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => ((await fetch(`${base}/ready`)).status === 200 ? true : undefined),
      60_000,
      'worker ready',
    );
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('process_cpu_user_seconds_total');
    expect(metrics).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/ready",status_code="200"\}/);
    worker.child.kill('SIGTERM');
    const code = await worker.exited;
    if (code !== 0) process.stderr.write(worker.output());
    expect(code).toBe(0);
  }, 120_000);
});
