import pg from 'pg';
import { PROJECTION_TABLE } from '../../../../test/support/events-fixtures';
import { EventsProbeModule } from '../../../../test/support/events-probe.module';
import { startTestApp, type TestApp } from '../../../../test/support/test-app';

describe('consistency tokens', () => {
  let t: TestApp;
  beforeAll(async () => {
    // 10 s: other suites on the same server may hold the server-wide xmin back for seconds (0010).
    t = await startTestApp(
      {
        RUN_WORKER_IN_API: 'true',
        EVENTS_STREAM: `test.events.${process.pid}`,
        CONSISTENCY_WAIT_MS: '10000',
        EVENTS_POLL_INTERVAL_MS: '1000',
      },
      [EventsProbeModule],
    );
    const c = new pg.Client({ connectionString: t.db.url });
    await c.connect();
    await c.query(PROJECTION_TABLE);
    await c.end();
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('a command response carries the token, and a read that sends it back sees the write', async () => {
    const posted = await fetch(`${t.baseUrl}/api/v1/probe-events`, { method: 'POST' });
    expect(posted.status).toBe(201);
    const token = posted.headers.get('x-consistency-token');
    expect(token).toMatch(/^\d+\.\d+$/);
    const { id } = (await posted.json()) as { id: string };
    const read = await fetch(`${t.baseUrl}/api/v1/probe-events`, { headers: { 'x-consistency-token': token! } });
    expect(read.status).toBe(200);
    expect(read.headers.get('x-consistency-stale')).toBeNull();
    expect(((await read.json()) as { ids: string[] }).ids).toContain(id);
  }, 30_000);

  it('a request that appends nothing gets no token', async () => {
    const read = await fetch(`${t.baseUrl}/api/v1/probe-events`);
    expect(read.headers.get('x-consistency-token')).toBeNull();
  });

  it('rejects a malformed token with a 400 problem', async () => {
    const read = await fetch(`${t.baseUrl}/api/v1/probe-events`, { headers: { 'x-consistency-token': 'nonsense' } });
    expect(read.status).toBe(400);
    expect(read.headers.get('content-type')).toMatch(/problem\+json/);
    expect(((await read.json()) as { code: string }).code).toBe('invalid-consistency-token');
  });

  it('serves the data marked stale when the projection does not get there in time', async () => {
    const started = Date.now();
    const read = await fetch(`${t.baseUrl}/api/v1/probe-events`, {
      headers: { 'x-consistency-token': '999999999.999999999' },
    });
    expect(read.status).toBe(200);
    expect(read.headers.get('x-consistency-stale')).toBe('true');
    expect(Date.now() - started).toBeGreaterThanOrEqual(9_900);
  }, 30_000);
});
