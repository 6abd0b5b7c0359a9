import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { bearer } from '../support/auth';
import { waitFor } from '../support/free-port';
import { testRedisUrl } from '../support/services';
import { startTestApp, type TestApp } from '../support/test-app';

// No tracer provider is registered in this process (as with OTEL_SDK_DISABLED, or no OTLP
// endpoint): every event still carries a W3C traceparent in its metadata and on the Redis stream,
// a request's own (in the caller's trace when it sent one), and the events the worker appends
// continue the trace of the event they handle.
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const redisUrl = testRedisUrl();

describe('trace context of events without a tracer provider', () => {
  let t: TestApp;
  let pool: pg.Pool;
  let redis: Redis | undefined;
  const stream = `test.trace.${process.pid}.${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    t = await startTestApp({ RUN_WORKER_IN_API: 'true', EVENTS_STREAM: stream, EVENTS_POLL_INTERVAL_MS: '100' });
    pool = new pg.Pool({ connectionString: t.db.url, max: 2 });
    if (redisUrl) redis = new Redis(redisUrl);
  }, 60_000);
  afterAll(async () => {
    await redis?.del(stream);
    redis?.disconnect();
    await pool?.end();
    await t?.close();
  });

  const createTask = async (headers: Record<string, string> = {}) => {
    const me = bearer(t.app);
    const res = await fetch(`${t.baseUrl}/api/v1/tasks`, {
      method: 'POST',
      headers: { authorization: me.authorization, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ title: 'Fix the login bug', description: 'Users cannot log in after the update' }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  /** The task's event of `type` (task.enriched has an aggregate of its own and names the task in its payload). */
  const traceOf = async (taskId: string, type: string) => {
    const { rows } = await pool.query<{ id: string; traceparent: string | null }>(
      `SELECT id, metadata->>'traceparent' AS traceparent FROM events WHERE (aggregate_id = $1 OR payload->>'taskId' = $1::text) AND type = $2`,
      [taskId, type],
    );
    return rows[0];
  };

  it("a request without traceparent: its event starts a trace, the worker's event continues it", async () => {
    const id = await createTask();
    const created = await traceOf(id, 'task.created');
    const [, traceId, spanId] = TRACEPARENT.exec(created.traceparent ?? '') ?? [];
    expect(traceId).toMatch(/^(?!0+$)[0-9a-f]{32}$/);
    const enriched = await waitFor(() => traceOf(id, 'task.enriched'), 20_000, 'the enrichment event');
    const [, enrichedTrace, enrichedSpan] = TRACEPARENT.exec(enriched.traceparent ?? '') ?? [];
    expect(enrichedTrace).toBe(traceId);
    expect(enrichedSpan).toMatch(/^[0-9a-f]{16}$/);
    expect(enrichedSpan).not.toBe(spanId);

    const other = await traceOf(await createTask(), 'task.created');
    expect(TRACEPARENT.exec(other.traceparent ?? '')?.[1]).not.toBe(traceId);
  });

  it("a request with the caller's traceparent: its event is in the caller's trace", async () => {
    const caller = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const id = await createTask({ traceparent: caller });
    expect((await traceOf(id, 'task.created')).traceparent).toMatch(
      /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/,
    );
  });

  (redisUrl ? it : it.skip)("every message on the Redis stream carries its event's traceparent", async () => {
    const id = await createTask();
    const created = await traceOf(id, 'task.created');
    const enriched = await waitFor(() => traceOf(id, 'task.enriched'), 20_000, 'the enrichment event');
    const docs = await waitFor(
      async () => {
        const all = (await redis!.xrange(stream, '-', '+')).map(
          ([, fields]) => JSON.parse(fields[1]) as { id: string; traceparent?: string },
        );
        return all.some((d) => d.id === enriched.id) ? all : undefined;
      },
      20_000,
      'the published enrichment event',
    );
    expect(docs.length).toBeGreaterThan(0);
    for (const d of docs) expect([d.id, d.traceparent]).toEqual([d.id, expect.stringMatching(TRACEPARENT)]);
    expect(docs.find((d) => d.id === created.id)?.traceparent).toBe(created.traceparent);
    expect(docs.find((d) => d.id === enriched.id)?.traceparent).toBe(enriched.traceparent);
  });
});
