import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import pg from 'pg';
import { loadConfig } from '../../../platform/src/config/app-config';
import { Metrics } from '../../../platform/src/metrics/metrics';
import { PlatformModule } from '../../../platform/src/platform.module';
import { TransactionRunner } from '../../../platform/src/transactions/transaction-runner';
import type { TimerFiring } from '../event';
import { EventsEngineModule } from '../events-engine.module';
import { EventsModule } from '../events.module';
import { Timers } from '../ports/timers';
import { type EngineContext, startEngineContext } from '../../../../test/support/events-fixtures';
import { waitFor } from '../../../../test/support/free-port';
import { TEST_JWT_SECRET } from '../../../../test/support/services';
import { startTestContext, type TestContext } from '../../../../test/support/test-context';

const LONG_POLL_MS = 600_000;

describe("the timer scheduler (the worker's loop) on PostgreSQL", () => {
  /** The API side: schedules timers, runs no scheduler. */
  let api: TestContext;
  let pool: pg.Pool;
  const workers: INestApplicationContext[] = [];
  beforeAll(async () => {
    api = await startTestContext([EventsModule]);
    pool = new pg.Pool({ connectionString: api.db.url, max: 2 });
  }, 60_000);
  afterAll(async () => {
    for (const w of workers) await w.close();
    await pool?.end();
    await api?.close();
  });

  /** A worker process's engine (no consumers, so only the scheduler runs) on the same database. */
  const startWorker = async (env: Record<string, string>) => {
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      JWT_SECRET: TEST_JWT_SECRET,
      DATABASE_URL: api.db.url,
      MIGRATE_ON_START: 'false',
      ...env,
    });
    const moduleRef = await Test.createTestingModule({
      imports: [PlatformModule.forRoot(config), EventsEngineModule],
    }).compile();
    const app = await moduleRef.init();
    workers.push(app);
    return app;
  };
  const schedule = (app: INestApplicationContext, list: { key: string; at: Date }[]) =>
    app.get(TransactionRunner).run(async () => {
      for (const { key, at } of list)
        await app.get(Timers).schedule({
          key,
          at,
          event: { type: 'test.reminded', aggregateType: 'test', aggregateId: randomUUID(), payload: { key } },
        });
    });
  const states = async (keys: string[]) =>
    new Map(
      (
        await pool.query<{ key: string; state: string; late: boolean }>(
          `SELECT key, state, late FROM timers WHERE key = ANY($1)`,
          [keys],
        )
      ).rows.map((r) => [r.key, `${r.state}${r.late ? ' late' : ''}`]),
    );
  const firing = async (key: string) =>
    (
      await pool.query<{ metadata: { timer: TimerFiring } }>(
        `SELECT metadata FROM events WHERE metadata->'timer'->>'key' = $1`,
        [key],
      )
    ).rows.map((r) => r.metadata.timer);
  const metric = async (app: INestApplicationContext, name: string) => {
    const values = (await app.get(Metrics).registry.getSingleMetric(name)!.get()).values;
    return values.find((v) => !('metricName' in v) || v.metricName === `${name}` || v.metricName === `${name}_count`)
      ?.value;
  };

  it('fires on start the timers missed while no worker ran: late past the tolerance, dropped past the maximum lateness; counted in the metrics', async () => {
    const p = `missed-${randomUUID()}:`;
    const now = Date.now();
    const keys = { onTime: `${p}on-time`, late: `${p}late`, dropped: `${p}dropped`, future: `${p}future` };
    await schedule(api.app, [
      { key: keys.onTime, at: new Date(now - 1_000) },
      { key: keys.late, at: new Date(now - 120_000) },
      { key: keys.dropped, at: new Date(now - 3 * 86_400_000) },
      { key: keys.future, at: new Date(now + 3_600_000) },
    ]);
    const worker = await startWorker({
      TIMERS_POLL_INTERVAL_MS: String(LONG_POLL_MS),
      TIMERS_LATE_TOLERANCE_MS: '60000',
      TIMERS_MAX_LATENESS_SECONDS: '86400',
    });
    const settled = await waitFor(
      async () => {
        const s = await states(Object.values(keys));
        return [keys.onTime, keys.late, keys.dropped].every((k) => s.get(k) !== 'pending') ? s : undefined;
      },
      20_000,
      'the missed timers to be fired or dropped',
    );
    expect(Object.fromEntries(Object.entries(keys).map(([name, key]) => [name, settled.get(key)]))).toEqual({
      onTime: 'fired',
      late: 'fired late',
      dropped: 'dropped late',
      future: 'pending',
    });
    expect((await firing(keys.late)).map((f) => f.late)).toEqual([true]);
    expect(await firing(keys.dropped)).toEqual([]);
    expect(await metric(worker, 'timers_fired_total')).toBe(2);
    expect(await metric(worker, 'timers_late_total')).toBe(1);
    expect(await metric(worker, 'timers_dropped_total')).toBe(1);
    expect(await metric(worker, 'timers_firing_delay_seconds')).toBe(2);
    expect(await metric(worker, 'timers_pending')).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('wakes at a timer its own process schedules, without waiting for the poll', async () => {
    const worker = workers[0];
    const key = `woken-${randomUUID()}`;
    const at = new Date(Date.now() + 300);
    await schedule(worker, [{ key, at }]);
    const [fired] = await waitFor(
      async () => ((await firing(key)).length > 0 ? firing(key) : undefined),
      30_000,
      'the timer to fire',
    );
    expect(new Date(fired.firedAt).getTime()).toBeGreaterThanOrEqual(at.getTime()); // not before it is due
    expect(fired.delayMs).toBeLessThan(LONG_POLL_MS); // woken by the commit, not by a poll
  }, 60_000);

  it('sees a timer another process schedules at its next poll', async () => {
    await startWorker({ TIMERS_POLL_INTERVAL_MS: '100' });
    const key = `elsewhere-${randomUUID()}`;
    await schedule(api.app, [{ key, at: new Date(Date.now() + 200) }]);
    const [fired] = await waitFor(
      async () => ((await firing(key)).length > 0 ? firing(key) : undefined),
      30_000,
      'the timer to fire',
    );
    expect(fired.key).toBe(key);
    expect((await states([key])).get(key)).toMatch(/^fired/);
  }, 60_000);

  it('stops at shutdown without waiting out its sleep', async () => {
    const worker = await startWorker({ TIMERS_POLL_INTERVAL_MS: String(LONG_POLL_MS) });
    workers.pop();
    await worker.close(); // the test's timeout is far below the 10-minute sleep
  }, 30_000);
});

describe('the timer scheduler in single-instance mode (embedded PostgreSQL, one connection)', () => {
  let t: EngineContext;
  beforeAll(async () => {
    t = await startEngineContext('embedded', {}, []);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('fires a due timer (row locks and advisory locks on the one connection)', async () => {
    const key = `embedded-${randomUUID()}`;
    const aggregateId = randomUUID();
    await t.app.get(TransactionRunner).run(() =>
      t.app.get(Timers).schedule({
        key,
        at: new Date(Date.now() + 100),
        event: { type: 'test.reminded', aggregateType: 'test', aggregateId, payload: { key } },
      }),
    );
    const fired = await waitFor(
      async () => {
        const { rows } = await t.pool.query<{ aggregate_version: number; metadata: { timer: TimerFiring } }>(
          `SELECT aggregate_version, metadata FROM events WHERE aggregate_id = $1`,
          [aggregateId],
        );
        return rows.length > 0 ? rows : undefined;
      },
      30_000,
      'the timer to fire',
    );
    expect(fired.map((e) => [e.aggregate_version, e.metadata.timer.key])).toEqual([[1, key]]);
  }, 60_000);
});
