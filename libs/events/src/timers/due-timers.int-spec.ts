import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { requestContext } from '../../../platform/src/context/request-context';
import { TransactionRunner } from '../../../platform/src/transactions/transaction-runner';
import type { TimerFiring } from '../event';
import { EventsModule } from '../events.module';
import { EventStore } from '../ports/event-store';
import { Timers } from '../ports/timers';
import { DueTimers } from './due-timers';
import { propertySettings } from '../../../../test/support/property-seed';
import { startTestContext, type TestContext } from '../../../../test/support/test-context';

const policy = { lateToleranceMs: 60_000, maxLatenessMs: 86_400_000 };

describe('firing due timers on PostgreSQL (DueTimers, time given)', () => {
  let t: TestContext;
  let pool: pg.Pool;
  let timers: Timers;
  let transactions: TransactionRunner;
  let store: EventStore;
  beforeAll(async () => {
    t = await startTestContext([EventsModule], { DATABASE_POOL_MAX: '12' });
    pool = new pg.Pool({ connectionString: t.db.url, max: 2 });
    timers = t.app.get(Timers);
    transactions = t.app.get(TransactionRunner);
    store = t.app.get(EventStore);
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await t?.close();
  });

  const due = () => new DueTimers(transactions, store, policy);
  const schedule = (list: { key: string; at: Date; aggregateId: string; payload?: unknown }[]) =>
    transactions.run(async () => {
      for (const s of list)
        await timers.schedule({
          key: s.key,
          at: s.at,
          event: {
            type: 'test.reminded',
            aggregateType: 'test',
            aggregateId: s.aggregateId,
            payload: s.payload ?? { key: s.key },
          },
        });
    });
  const timerRows = async (prefix: string) =>
    (
      await pool.query<{ key: string; state: string; late: boolean; fired_at: Date | null; event_id: string | null }>(
        `SELECT key, state, late, fired_at, event_id FROM timers WHERE key LIKE $1 || '%' ORDER BY key`,
        [prefix],
      )
    ).rows;
  const eventsOf = async (prefix: string) =>
    (
      await pool.query<{
        id: string;
        aggregate_id: string;
        aggregate_version: number;
        payload: unknown;
        metadata: { timer?: TimerFiring; correlationId?: string; actor?: string };
      }>(
        `SELECT id, aggregate_id, aggregate_version, payload, metadata FROM events WHERE metadata->'timer'->>'key' LIKE $1 || '%' ORDER BY position`,
        [prefix],
      )
    ).rows;

  it("fires each due timer once, as an event at its aggregate's next version, and leaves the others pending", async () => {
    const p = `a-${randomUUID()}:`;
    const base = new Date('2026-12-05T10:00:00.000Z');
    const aggregate = randomUUID();
    // The aggregate already has two events from elsewhere.
    await transactions.run(() =>
      store.append(
        [1, 2].map((v) => ({
          type: 'test.happened',
          aggregateType: 'test',
          aggregateId: aggregate,
          aggregateVersion: v,
          payload: {},
        })),
      ),
    );
    await schedule([
      { key: `${p}1`, at: base, aggregateId: aggregate, payload: { n: 1 } },
      { key: `${p}2`, at: new Date(base.getTime() + 500), aggregateId: aggregate, payload: { n: 2 } },
      { key: `${p}3`, at: new Date(base.getTime() + 60_000), aggregateId: aggregate },
    ]);
    const now = new Date(base.getTime() + 1_000);
    const outcome = await due().fire(now, 100);
    expect(outcome.fired.map((f) => f.key)).toEqual([`${p}1`, `${p}2`]);
    expect(outcome.full).toBe(false);
    const events = await eventsOf(p);
    expect(events.map((e) => [e.aggregate_version, e.payload])).toEqual([
      [3, { n: 1 }],
      [4, { n: 2 }],
    ]);
    expect(events[0].metadata.timer).toEqual({
      key: `${p}1`,
      dueAt: base.toISOString(),
      firedAt: now.toISOString(),
      delayMs: 1_000,
      late: false,
    });
    const rows = await timerRows(p);
    expect(rows.map((r) => [r.state, r.event_id])).toEqual([
      ['fired', events[0].id],
      ['fired', events[1].id],
      ['pending', null],
    ]);
    expect((await due().fire(now, 100)).fired).toEqual([]);
    expect(await due().nextDueAfter(now)).toEqual(new Date(base.getTime() + 60_000));
  });

  it('marks a timer fired past the tolerance late, and drops one past the maximum lateness (no event)', async () => {
    const p = `b-${randomUUID()}:`;
    const base = new Date('2026-11-01T00:00:00.000Z');
    const now = new Date(base.getTime() + 2 * 86_400_000); // the worker was down for two days
    await schedule([
      { key: `${p}on-time`, at: new Date(now.getTime() - 60_000), aggregateId: randomUUID() },
      { key: `${p}late`, at: new Date(now.getTime() - 3_600_000), aggregateId: randomUUID() },
      { key: `${p}too-late`, at: base, aggregateId: randomUUID() },
    ]);
    const outcome = await due().fire(now, 100);
    expect(outcome.dropped).toEqual([{ key: `${p}too-late`, delayMs: 2 * 86_400_000 }]);
    expect(outcome.fired).toEqual([
      { key: `${p}late`, delayMs: 3_600_000, late: true },
      { key: `${p}on-time`, delayMs: 60_000, late: false },
    ]);
    const rows = await timerRows(p);
    expect(rows.map((r) => [r.key.slice(p.length), r.state, r.late])).toEqual([
      ['late', 'fired', true],
      ['on-time', 'fired', false],
      ['too-late', 'dropped', true],
    ]);
    const events = await eventsOf(p);
    expect(events.map((e) => [e.metadata.timer?.key.slice(p.length), e.metadata.timer?.late])).toEqual([
      ['late', true],
      ['on-time', false],
    ]);
  });

  it('carries the scheduling context into the event, and appends nothing when the firing transaction rolls back', async () => {
    const p = `c-${randomUUID()}:`;
    const at = new Date('2026-10-01T00:00:00.000Z');
    await requestContext.run({ requestId: 'req-c', correlationId: 'corr-c', actor: 'user-c' }, () =>
      schedule([{ key: `${p}1`, at, aggregateId: randomUUID() }]),
    );
    const failing = new DueTimers(
      transactions,
      {
        append: async (events) => {
          await store.append(events);
          throw new Error('crash after append');
        },
      },
      policy,
    );
    await expect(failing.fire(new Date(at.getTime() + 10), 10)).rejects.toThrow('crash after append');
    expect((await timerRows(p)).map((r) => r.state)).toEqual(['pending']);
    expect(await eventsOf(p)).toEqual([]);
    await due().fire(new Date(at.getTime() + 10), 10);
    const [event] = await eventsOf(p);
    expect(event.metadata).toMatchObject({
      actor: 'user-c',
      correlationId: 'corr-c',
      causationId: 'req-c',
      timer: { key: `${p}1`, delayMs: 10, late: false },
    });
  });

  it('two schedulers firing the same due set concurrently fire each timer exactly once (property)', async () => {
    const timerArb = fc.record({
      aggregate: fc.integer({ min: 0, max: 4 }),
      offsetMs: fc.integer({ min: -5_000, max: 5_000 }),
    });
    const scenario = fc.record({
      timers: fc.array(timerArb, { minLength: 1, maxLength: 60 }),
      priorEvents: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 5, maxLength: 5 }),
      batchA: fc.integer({ min: 1, max: 8 }),
      batchB: fc.integer({ min: 1, max: 8 }),
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ timers: list, priorEvents, batchA, batchB }) => {
        const p = `d-${randomUUID()}:`;
        const now = new Date('2026-12-05T12:00:00.000Z');
        const aggregates = priorEvents.map(() => randomUUID());
        const prior = priorEvents.flatMap((n, a) =>
          Array.from({ length: n }, (_, v) => ({
            type: 'test.happened',
            aggregateType: 'test',
            aggregateId: aggregates[a],
            aggregateVersion: v + 1,
            payload: {},
          })),
        );
        if (prior.length > 0) await transactions.run(() => store.append(prior));
        await schedule(
          list.map((s, i) => ({
            key: `${p}${i}`,
            at: new Date(now.getTime() + s.offsetMs),
            aggregateId: aggregates[s.aggregate],
          })),
        );

        const drain = async (firer: DueTimers, batch: number) => {
          const keys: string[] = [];
          for (;;) {
            const outcome = await firer.fire(now, batch);
            keys.push(...outcome.fired.map((f) => f.key).filter((k) => k.startsWith(p))); // earlier tests' timers fall due too
            if (!outcome.full) return keys;
          }
        };
        const [a, b] = await Promise.all([drain(due(), batchA), drain(due(), batchB)]);

        const dueKeys = list.flatMap((s, i) => (s.offsetMs <= 0 ? [`${p}${i}`] : [])).sort();
        expect([...a, ...b].sort()).toEqual(dueKeys); // each due timer fired by exactly one of them
        const events = await eventsOf(p);
        expect(events.map((e) => e.metadata.timer!.key).sort()).toEqual(dueKeys); // one event per timer
        const rows = await timerRows(p);
        for (const r of rows) expect(r.state).toBe(dueKeys.includes(r.key) ? 'fired' : 'pending');
        for (const [i, id] of aggregates.entries()) {
          const { rows: versions } = await pool.query<{ v: number }>(
            `SELECT aggregate_version AS v FROM events WHERE aggregate_id = $1 ORDER BY 1`,
            [id],
          );
          const firedHere = events.filter((e) => e.aggregate_id === id).length;
          expect(versions.map((r) => r.v)).toEqual(Array.from({ length: priorEvents[i] + firedHere }, (_, v) => v + 1)); // next versions, no gap
        }
      }),
      propertySettings('two schedulers on one due set', 25),
    );
  }, 120_000);
});
