import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Metrics } from '../../../platform/src/metrics/metrics';
import { ProjectionRebuilder } from './projection-rebuilder';
import { behaviour, type EngineContext, startEngineContext } from '../../../../test/support/events-fixtures';
import { waitFor } from '../../../../test/support/free-port';
import { realPostgresUrl } from '../../../../test/support/services';

// The engine's proofs, on the real PostgreSQL and on the embedded one (PGlite, one connection).
const kinds = (['postgres', 'embedded'] as const).filter((k) => k === 'embedded' || realPostgresUrl());

describe.each(kinds)('events engine on %s', (kind) => {
  let t: EngineContext;
  beforeAll(async () => {
    t = await startEngineContext(kind, { EVENTS_MAX_ATTEMPTS: '3', EVENTS_RETRY_BASE_MS: '20' });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const checkpoint = async (consumer: string) => {
    const { rows } = await t.pool.query<{ p: string }>(`SELECT last_position AS p FROM consumer_checkpoints WHERE consumer = $1`, [consumer]);
    return rows[0] ? BigInt(rows[0].p) : 0n;
  };
  const written = async () => Number((await t.pool.query<{ n: string }>(`SELECT count(*) AS n FROM events WHERE type = 'test.happened' AND payload->>'kind' IS DISTINCT FROM 'poison'`)).rows[0].n);
  const caughtUp = () =>
    waitFor(async () => {
      const [{ total, distinct }, n] = await Promise.all([t.projected(), written()]);
      return total === n && distinct === n ? n : undefined;
    }, 20_000, 'the projection to catch up');

  it('projects every event of concurrent writers exactly once, round after round', async () => {
    const writers = kind === 'embedded' ? 4 : 16;
    for (let round = 0; round < 5; round++) {
      await Promise.all(Array.from({ length: writers }, (_, i) => t.write(1 + (i % 3))));
      const n = await caughtUp();
      expect(n).toBeGreaterThan(0);
    }
    const p = await t.projected();
    expect(p.total).toBe(p.distinct);
    expect(p.total).toBe(await written());
  }, 60_000);

  it('never lets the checkpoint pass a transaction that is still open, and projects it once it commits', async () => {
    if (t.kind === 'embedded') return; // one session: a held transaction blocks every other writer, nothing can overtake it
    const slow = new pg.Client({ connectionString: t.url });
    await slow.connect();
    try {
      await slow.query('BEGIN');
      const slowId = randomUUID();
      const { rows } = await slow.query<{ position: string }>(
        `INSERT INTO events (id, aggregate_type, aggregate_id, aggregate_version, type, payload, metadata) VALUES ($1, 'test', $2, 1, 'test.happened', '{}', '{}') RETURNING position`,
        [slowId, randomUUID()],
      );
      const slowPosition = BigInt(rows[0].position);
      const later = await Promise.all(Array.from({ length: 8 }, () => t.write(2)));
      const lastLater = later.flat().reduce((a, e) => (e.position > a ? e.position : a), 0n);
      expect(lastLater).toBeGreaterThan(slowPosition);
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline) {
        const { rows: seen } = await t.pool.query(`SELECT 1 FROM test_projection WHERE position > $1`, [slowPosition.toString()]);
        expect(seen).toHaveLength(0); // later transactions wait behind the open one
        await new Promise((r) => setTimeout(r, 250));
      }
      await slow.query('COMMIT');
      await caughtUp();
      const { rows: mine } = await t.pool.query(`SELECT 1 FROM test_projection WHERE event_id = $1`, [slowId]);
      expect(mine).toHaveLength(1);
      expect(await checkpoint('test_read')).toBeGreaterThanOrEqual(slowPosition);
    } finally {
      await slow.end();
    }
  }, 30_000);

  it('is not stalled by a transaction that rolls back', async () => {
    const client = await t.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO events (id, aggregate_type, aggregate_id, aggregate_version, type, payload, metadata) VALUES ($1, 'test', $2, 1, 'test.happened', '{}', '{}')`, [randomUUID(), randomUUID()]);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    const started = Date.now();
    await t.write(3);
    await caughtUp();
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 30_000);

  it('retries a batch that fails midway without applying anything twice', async () => {
    const events = await t.write(20);
    behaviour.failOnce.add(events[7].id);
    behaviour.failOnce.add(events[15].id);
    await caughtUp();
    expect(behaviour.failOnce.size).toBe(0);
    const p = await t.projected();
    expect(p.total).toBe(p.distinct);
  }, 30_000);

  it('moves an event that keeps failing to dead letters after N attempts and goes on', async () => {
    const [poison] = await t.write(1, { kind: 'poison' });
    const after = await t.write(2);
    await caughtUp();
    const letters = await waitFor(async () => {
      const { rows } = await t.pool.query<{ consumer: string; attempts: number; error: string }>(`SELECT consumer, attempts, error FROM dead_letters WHERE event_id = $1 ORDER BY consumer`, [poison.id]);
      return rows.length === 2 ? rows : undefined;
    }, 10_000, 'both consumers to dead-letter the poison event');
    expect(letters.map((l) => [l.consumer, l.attempts])).toEqual([
      ['test_mailer', 3],
      ['test_read', 3],
    ]);
    expect(letters[0].error).toMatch(/poison event/);
    await waitFor(async () => ((behaviour.subscriberCalls.get(after[1].id) ?? 0) >= 1 ? true : undefined), 10_000, 'the subscriber to move on');
    expect(behaviour.subscriberCalls.get(poison.id)).toBe(3);
    expect(behaviour.subscriberCalls.get(after[0].id)).toBe(1);
  }, 30_000);

  it('reports backlog, lag and dead letters per consumer on /metrics', async () => {
    await caughtUp();
    await new Promise((r) => setTimeout(r, 1_100)); // past the metrics snapshot's lifetime
    const text = await t.app.get(Metrics).registry.metrics();
    expect(text).toMatch(/events_consumer_backlog\{consumer="test_read"\} 0/);
    expect(text).toMatch(/projection_lag_seconds\{consumer="test_read"\} 0/);
    expect(text).toMatch(/projection_lag_events\{consumer="test_read"\} \d+/);
    expect(text).toMatch(/dead_letters\{consumer="test_read"\} 1/);
  }, 30_000);

  it('rebuilds a projection from the whole log while readers keep seeing a complete table', async () => {
    await t.write(300);
    await caughtUp();
    behaviour.poison = 'fixed'; // the bug behind the dead letters is fixed: the rebuild applies those events too
    const n = Number((await t.pool.query<{ n: string }>(`SELECT count(*) AS n FROM events WHERE type = 'test.happened'`)).rows[0].n);
    const { total: old } = await t.projected();
    const { rows: before } = await t.pool.query<{ p: string }>(`SELECT last_position AS p FROM consumer_checkpoints WHERE consumer = 'test_read'`);
    const counts: number[] = [];
    let rebuilding = true;
    const reader = (async () => {
      while (rebuilding && t.kind === 'postgres') {
        counts.push((await t.projected()).total);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const result = await t.app.get(ProjectionRebuilder).rebuild('test_read');
    rebuilding = false;
    await reader;
    expect(result.handled).toBeGreaterThanOrEqual(n);
    expect(await t.projected()).toEqual({ total: n, distinct: n });
    expect(counts.filter((c) => c !== old && c !== n)).toEqual([]); // the old table until the commit, then the new one: never a half-built one
    if (t.kind === 'postgres') expect(counts.length).toBeGreaterThan(0);
    expect(await checkpoint('test_read')).toBe(BigInt(before[0].p));
    const { rows: letters } = await t.pool.query(`SELECT 1 FROM dead_letters WHERE consumer = 'test_read'`);
    expect(letters).toHaveLength(0);
    // The live engine goes on after the rebuild.
    await t.write(5);
    await waitFor(async () => ((await t.projected()).total === n + 5 ? true : undefined), 10_000, 'the engine to go on');
    behaviour.poison = 'poison';
  }, 60_000);
});
