import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Metrics } from '../../../platform/src/metrics/metrics';
import { TransactionRunner } from '../../../platform/src/transactions/transaction-runner';
import { EventStore } from '../ports/event-store';
import { ConsumerRunner } from './consumer-runner';
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
    const { rows } = await t.pool.query<{ p: string }>(
      `SELECT last_position AS p FROM consumer_checkpoints WHERE consumer = $1`,
      [consumer],
    );
    return rows[0] ? BigInt(rows[0].p) : 0n;
  };
  const written = async () =>
    Number(
      (
        await t.pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM events WHERE type = 'test.happened' AND payload->>'kind' IS DISTINCT FROM 'poison'`,
        )
      ).rows[0].n,
    );
  const caughtUp = () =>
    waitFor(
      async () => {
        const [{ total, distinct }, n] = await Promise.all([t.projected(), written()]);
        return total === n && distinct === n ? n : undefined;
      },
      20_000,
      'the projection to catch up',
    );

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
        const { rows: seen } = await t.pool.query(`SELECT 1 FROM test_projection WHERE position > $1`, [
          slowPosition.toString(),
        ]);
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
      await client.query(
        `INSERT INTO events (id, aggregate_type, aggregate_id, aggregate_version, type, payload, metadata) VALUES ($1, 'test', $2, 1, 'test.happened', '{}', '{}')`,
        [randomUUID(), randomUUID()],
      );
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
    // Marked to fail (once each) by a payload tag registered before the write, so the engine
    // cannot project them before they are marked.
    const tags = [`fail-${randomUUID()}`, `fail-${randomUUID()}`];
    for (const tag of tags) behaviour.failOnce.add(tag);
    await t.app.get(TransactionRunner).run(() =>
      t.app.get(EventStore).append(
        Array.from({ length: 20 }, (_, i) => ({
          type: 'test.happened',
          aggregateType: 'test',
          aggregateId: randomUUID(),
          aggregateVersion: 1,
          payload: i === 7 ? { tag: tags[0] } : i === 15 ? { tag: tags[1] } : {},
        })),
      ),
    );
    await caughtUp();
    expect(behaviour.failOnce.size).toBe(0);
    const p = await t.projected();
    expect(p.total).toBe(p.distinct);
  }, 30_000);

  it('moves an event that keeps failing to dead letters after N attempts and goes on', async () => {
    const [poison] = await t.write(1, { kind: 'poison' });
    const after = await t.write(2);
    await caughtUp();
    const letters = await waitFor(
      async () => {
        const { rows } = await t.pool.query<{ consumer: string; attempts: number; error: string }>(
          `SELECT consumer, attempts, error FROM dead_letters WHERE event_id = $1 ORDER BY consumer`,
          [poison.id],
        );
        return rows.length === 2 ? rows : undefined;
      },
      10_000,
      'both consumers to dead-letter the poison event',
    );
    expect(letters.map((l) => [l.consumer, l.attempts])).toEqual([
      ['test_mailer', 3],
      ['test_read', 3],
    ]);
    expect(letters[0].error).toMatch(/poison event/);
    await waitFor(
      async () => ((behaviour.subscriberCalls.get(after[1].id) ?? 0) >= 1 ? true : undefined),
      10_000,
      'the subscriber to move on',
    );
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
    const n = Number(
      (await t.pool.query<{ n: string }>(`SELECT count(*) AS n FROM events WHERE type = 'test.happened'`)).rows[0].n,
    );
    const { total: old } = await t.projected();
    const { rows: before } = await t.pool.query<{ p: string }>(
      `SELECT last_position AS p FROM consumer_checkpoints WHERE consumer = 'test_read'`,
    );
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
    await waitFor(
      async () => ((await t.projected()).total === n + 5 ? true : undefined),
      10_000,
      'the engine to go on',
    );
    behaviour.poison = 'poison';
  }, 60_000);

  // Subscribers: a batch per transaction (the inbox rows' xmin tells which transaction wrote them).
  const appendOne = (payloads: object[], inboxed: number[] = []) =>
    t.app.get(TransactionRunner).run(async (db) => {
      const events = await t.app.get(EventStore).append(
        payloads.map((payload) => ({
          type: 'test.happened',
          aggregateType: 'test',
          aggregateId: randomUUID(),
          aggregateVersion: 1,
          payload,
        })),
      );
      for (const i of inboxed)
        await db.insertInto('event_inbox').values({ consumer: 'test_mailer', event_id: events[i].id }).execute();
      return events;
    });
  const inboxTx = async (ids: string[]) => {
    const { rows } = await t.pool.query<{ event_id: string; tx: string }>(
      `SELECT event_id, xmin::text AS tx FROM event_inbox WHERE consumer = 'test_mailer' AND event_id = ANY($1::uuid[])`,
      [ids],
    );
    return ids.map((id) => rows.find((r) => r.event_id === id)?.tx);
  };
  const mailerPassed = (event: { position: bigint }) =>
    waitFor(
      async () => ((await checkpoint('test_mailer')) >= event.position ? true : undefined),
      15_000,
      'test_mailer to pass the batch',
    );

  it('a subscriber handles a batch in one transaction and skips only the event its inbox already holds', async () => {
    const events = await appendOne([{}, {}, {}, {}, {}], [2]);
    await mailerPassed(events[4]);
    const ids = events.map((e) => e.id);
    expect(ids.map((id) => behaviour.subscriberCalls.get(id))).toEqual([1, 1, undefined, 1, 1]);
    expect(behaviour.prepareCalls.get(ids[2])).toBeUndefined(); // not even prepared
    const txs = await inboxTx(ids);
    expect(new Set([txs[0], txs[1], txs[3], txs[4]]).size).toBe(1);
    expect(txs[2]).not.toBe(txs[0]);
    expect(behaviour.prepareInTransaction).toBe(0);
  }, 30_000);

  it('a handler failure in the middle of a subscriber batch commits the prefix, then dead-letters the failing event after N attempts', async () => {
    const events = await appendOne([{}, {}, { kind: 'handle-poison' }, {}, {}]);
    await mailerPassed(events[4]);
    const ids = events.map((e) => e.id);
    const { rows: letters } = await t.pool.query<{ consumer: string; attempts: number; error: string }>(
      `SELECT consumer, attempts, error FROM dead_letters WHERE event_id = $1`,
      [ids[2]],
    );
    expect(letters).toEqual([expect.objectContaining({ consumer: 'test_mailer', attempts: 3 })]);
    const txs = await inboxTx(ids);
    expect(txs[2]).toBeUndefined();
    expect(txs[0]).toBe(txs[1]); // the prefix, in one transaction
    expect(txs[3]).toBe(txs[4]); // the rest, after the dead letter, in another
    expect(txs[3]).not.toBe(txs[0]);
    for (const i of [0, 1, 3, 4]) expect(behaviour.prepareCalls.get(ids[i])).toBe(1); // prepared once, though the first transaction rolled back
    expect(behaviour.subscriberCalls.get(ids[3])).toBe(1);
  }, 30_000);

  it('a prepare failure in the middle of a subscriber batch commits the prefix without rolling anything back, then dead-letters the failing event', async () => {
    const events = await appendOne([{}, {}, { kind: 'prepare-poison' }, {}, {}]);
    await mailerPassed(events[4]);
    const ids = events.map((e) => e.id);
    const { rows: letters } = await t.pool.query<{ attempts: number; error: string }>(
      `SELECT attempts, error FROM dead_letters WHERE consumer = 'test_mailer' AND event_id = $1`,
      [ids[2]],
    );
    expect(letters).toEqual([expect.objectContaining({ attempts: 3, error: expect.stringMatching(/prepare failed/) })]);
    expect(ids.map((id) => behaviour.subscriberCalls.get(id))).toEqual([1, 1, undefined, 1, 1]);
    for (const i of [0, 1, 3, 4]) expect(behaviour.prepareCalls.get(ids[i])).toBe(1);
    const txs = await inboxTx(ids);
    expect(txs[0]).toBe(txs[1]);
    expect(txs[3]).toBe(txs[4]);
    expect(txs[2]).toBeUndefined();
    expect(behaviour.prepareInTransaction).toBe(0);
  }, 30_000);
});

// A transaction that takes a transaction id but appends no event (another consumer's step, a
// rebuild, a psql session) holds the horizon and wakes nobody when it ends: the loops must look
// again on their own, soon, without spinning.
(realPostgresUrl() ? describe : describe.skip)(
  'events engine behind a transaction that appends nothing (postgres)',
  () => {
    let t: EngineContext;
    const steps = new Map<string, number>();
    // eslint-disable-next-line @typescript-eslint/unbound-method -- the original, called below with the runner as this
    const step = ConsumerRunner.prototype.step;
    beforeAll(async () => {
      ConsumerRunner.prototype.step = function (this: ConsumerRunner) {
        steps.set(this.spec.name, (steps.get(this.spec.name) ?? 0) + 1);
        return step.call(this);
      };
      t = await startEngineContext('postgres', { EVENTS_POLL_INTERVAL_MS: '10000' });
    }, 60_000);
    afterAll(async () => {
      ConsumerRunner.prototype.step = step;
      await t?.close();
    });
    const projected = async (id: string) =>
      (await t.pool.query(`SELECT 1 FROM test_projection WHERE event_id = $1`, [id])).rows.length > 0;
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

    it('projects an event soon after the transaction holding it back ends, far below the 10 s poll interval, polling a bounded number of times meanwhile and not at all once caught up', async () => {
      const [first] = await t.write(1);
      await waitFor(async () => ((await projected(first.id)) ? true : undefined), 5_000, 'the engine to start');
      const foreign = new pg.Client({ connectionString: t.url });
      await foreign.connect();
      try {
        await foreign.query('BEGIN');
        await foreign.query('SELECT pg_current_xact_id()'); // takes a transaction id; appends nothing, so no NOTIFY at its end
        const [held] = await t.write(1); // rings the in-process signal: the projector looks, finds it above the horizon
        steps.clear();
        await pause(1_500);
        expect(await projected(held.id)).toBe(false);
        expect(steps.get('test_read') ?? 0).toBeLessThanOrEqual(30); // 5, 10, 20, 40, 80 ms, then every 100 ms
        const ended = Date.now();
        await foreign.query('COMMIT');
        await waitFor(
          async () => ((await projected(held.id)) ? true : undefined),
          5_000,
          'the held event to be projected',
        );
        expect(Date.now() - ended).toBeLessThan(1_000);
      } finally {
        await foreign.end();
      }
      await pause(200);
      steps.clear();
      await pause(1_000);
      expect(steps.get('test_read') ?? 0).toBeLessThanOrEqual(1); // caught up: waits for a wake-up or the poll interval
      expect(steps.get('test_mailer') ?? 0).toBeLessThanOrEqual(1);
    }, 30_000);
  },
);
