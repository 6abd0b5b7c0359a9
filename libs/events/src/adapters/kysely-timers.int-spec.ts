import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { requestContext } from '../../../platform/src/context/request-context';
import { TransactionRunner } from '../../../platform/src/transactions/transaction-runner';
import { EventsModule } from '../events.module';
import { Timers } from '../ports/timers';
import { TimerSignal } from '../timers/timer-signal';
import { startTestContext, type TestContext } from '../../../../test/support/test-context';

describe("Timers through Kysely on PostgreSQL (schedule, reschedule, cancel in the caller's transaction)", () => {
  let t: TestContext;
  let pool: pg.Pool;
  let timers: Timers;
  let transactions: TransactionRunner;
  beforeAll(async () => {
    t = await startTestContext([EventsModule]);
    pool = new pg.Pool({ connectionString: t.db.url, max: 2 });
    timers = t.app.get(Timers);
    transactions = t.app.get(TransactionRunner);
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await t?.close();
  });

  const row = async (key: string) =>
    (
      await pool.query<{
        due_at: Date;
        event_type: string;
        aggregate_id: string;
        payload: unknown;
        metadata: Record<string, unknown>;
        state: string;
        late: boolean;
      }>(`SELECT * FROM timers WHERE key = $1`, [key])
    ).rows[0];
  const timer = (key: string, at: Date, payload: unknown = { n: 1 }) => ({
    key,
    at,
    event: { type: 'test.reminded', aggregateType: 'test', aggregateId: randomUUID(), payload },
  });
  const rolledBack = new Error('roll back');
  const inRolledBackTransaction = (work: () => Promise<void>) =>
    expect(
      transactions.run(async () => {
        await work();
        throw rolledBack;
      }),
    ).rejects.toBe(rolledBack);

  it("schedules a pending timer with its event, and the scheduling context's actor and correlation", async () => {
    const at = new Date(Date.now() + 60_000);
    const scheduled = timer(`k-${randomUUID()}`, at, { task: 'a' });
    await requestContext.run({ requestId: 'req-1', correlationId: 'corr-1', actor: 'user-1' }, () =>
      transactions.run(() => timers.schedule(scheduled)),
    );
    const r = await row(scheduled.key);
    expect(r).toMatchObject({
      due_at: at,
      event_type: 'test.reminded',
      aggregate_id: scheduled.event.aggregateId,
      payload: { task: 'a' },
      state: 'pending',
      late: false,
    });
    expect(r.metadata).toEqual({ actor: 'user-1', correlationId: 'corr-1', causationId: 'req-1' });
  });

  it('moves a pending timer when its key is scheduled again: new time and event', async () => {
    const key = `k-${randomUUID()}`;
    await transactions.run(() => timers.schedule(timer(key, new Date(Date.now() + 60_000), { v: 1 })));
    const later = new Date(Date.now() + 120_000);
    await transactions.run(() => timers.schedule(timer(key, later, { v: 2 })));
    expect(await row(key)).toMatchObject({ due_at: later, payload: { v: 2 }, state: 'pending' });
    expect(Number((await pool.query(`SELECT count(*) AS n FROM timers WHERE key = $1`, [key])).rows[0].n)).toBe(1);
  });

  it('makes a fired timer pending again when its key is scheduled again', async () => {
    const key = `k-${randomUUID()}`;
    await transactions.run(() => timers.schedule(timer(key, new Date(Date.now() - 1_000))));
    await pool.query(`UPDATE timers SET state = 'fired', fired_at = now(), late = true, event_id = $2 WHERE key = $1`, [
      key,
      randomUUID(),
    ]);
    await transactions.run(() => timers.schedule(timer(key, new Date(Date.now() + 60_000))));
    expect(await row(key)).toMatchObject({ state: 'pending', late: false, fired_at: null, event_id: null });
  });

  it('cancels a pending timer, and leaves a fired one (and a missing key) alone', async () => {
    const pending = `k-${randomUUID()}`;
    const fired = `k-${randomUUID()}`;
    await transactions.run(async () => {
      await timers.schedule(timer(pending, new Date(Date.now() + 60_000)));
      await timers.schedule(timer(fired, new Date(Date.now() - 60_000)));
    });
    await pool.query(`UPDATE timers SET state = 'fired', fired_at = now() WHERE key = $1`, [fired]);
    await transactions.run(async () => {
      await timers.cancel(pending);
      await timers.cancel(fired);
      await timers.cancel(`k-${randomUUID()}`);
    });
    expect(await row(pending)).toBeUndefined();
    expect(await row(fired)).toMatchObject({ state: 'fired' });
  });

  it('schedules, moves and cancels nothing when the transaction rolls back', async () => {
    const key = `k-${randomUUID()}`;
    await inRolledBackTransaction(() => timers.schedule(timer(key, new Date(Date.now() + 60_000))));
    expect(await row(key)).toBeUndefined();

    const at = new Date(Date.now() + 60_000);
    await transactions.run(() => timers.schedule(timer(key, at, { v: 1 })));
    await inRolledBackTransaction(() => timers.schedule(timer(key, new Date(Date.now() + 600_000), { v: 2 })));
    expect(await row(key)).toMatchObject({ due_at: at, payload: { v: 1 }, state: 'pending' });

    await inRolledBackTransaction(() => timers.cancel(key));
    expect(await row(key)).toMatchObject({ state: 'pending' });
  });

  it("wakes this process's scheduler once the scheduling transaction commits, not before, and not after a rollback", async () => {
    const signal = t.app.get(TimerSignal);
    const before = signal.generation;
    await inRolledBackTransaction(() => timers.schedule(timer(`k-${randomUUID()}`, new Date())));
    expect(signal.generation).toBe(before);
    await transactions.run(async () => {
      await timers.schedule(timer(`k-${randomUUID()}`, new Date()));
      expect(signal.generation).toBe(before);
    });
    expect(signal.generation).toBeGreaterThan(before);
  });

  it('refuses to run outside a transaction, and refuses an invalid time or aggregate id', async () => {
    await expect(timers.schedule(timer(`k-${randomUUID()}`, new Date()))).rejects.toThrow(/inside a unit of work/);
    await expect(timers.cancel('k')).rejects.toThrow(/inside a unit of work/);
    await expect(transactions.run(() => timers.schedule(timer('k', new Date('nope'))))).rejects.toThrow(
      /not a valid Date/,
    );
    await expect(
      transactions.run(() =>
        timers.schedule({
          ...timer('k', new Date()),
          event: { type: 't', aggregateType: 't', aggregateId: 'x', payload: {} },
        }),
      ),
    ).rejects.toThrow(/not a UUID/);
  });
});
