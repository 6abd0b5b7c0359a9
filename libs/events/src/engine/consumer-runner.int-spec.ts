import { sql } from 'kysely';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StoredEvent } from '../event';
import { untilReadable, useEngineWithoutConsumers } from '../../../../test/support/events-fixtures';
import { ConsumerRunner } from './consumer-runner';
import type { ConsumerSpec, StepResult } from './consumer-spec';

// ConsumerRunner on its own against PostgreSQL: each step is one transaction in which the
// handler's writes, the inbox and the checkpoint commit together or not at all, and a failing
// event is narrowed down, retried and dead-lettered without losing or repeating the others.
describe('ConsumerRunner', () => {
  const engine = useEngineWithoutConsumers();
  const warnings: unknown[] = [];
  const logger = { warn: (fields: unknown) => void warnings.push(fields), error: () => undefined };
  let events: StoredEvent[];
  beforeAll(async () => {
    await engine.context.pool.query(`CREATE TABLE runner_handled (consumer text NOT NULL, event_id uuid NOT NULL)`);
    events = await engine.context.write(6);
    await untilReadable(engine.transactions.db, events);
  }, 60_000);
  const ids = (list: StoredEvent[]) => list.map((e) => e.id);

  /** A handler that writes a row per event in the step's transaction, then throws while `fails(event)`. */
  const writing =
    (consumer: string, fails: (event: StoredEvent) => boolean) =>
    async (event: StoredEvent): Promise<void> => {
      await sql`INSERT INTO runner_handled VALUES (${consumer}, ${event.id}::uuid)`.execute(
        engine.transactions.current()!,
      );
      if (fails(event)) throw new Error(`cannot handle ${event.id}`);
    };
  const handled = async (consumer: string) =>
    (
      await engine.context.pool.query<{ event_id: string }>(
        `SELECT event_id FROM runner_handled WHERE consumer = $1 ORDER BY event_id`,
        [consumer],
      )
    ).rows.map((r) => r.event_id);
  const deadLetters = async (consumer: string) =>
    (
      await engine.context.pool.query<{ event_id: string; attempts: number }>(
        `SELECT event_id, attempts FROM dead_letters WHERE consumer = $1`,
        [consumer],
      )
    ).rows;
  const runner = (spec: ConsumerSpec, batchSize = 100) =>
    new ConsumerRunner(spec, engine.transactions, { batchSize, maxAttempts: 3, retryBaseMs: 1 }, logger);
  /**
   * Steps until the runner has nothing left to read. Its backoff waits are a few milliseconds; a
   * step that finds the log blocked (another test's transaction, anywhere on the server, still
   * holds the horizon) is polled again, as the engine does.
   */
  const drain = async (subject: ConsumerRunner): Promise<StepResult[]> => {
    const results: StepResult[] = [];
    for (;;) {
      const result = await subject.step();
      if (result.blocked) {
        await sleep(20);
        continue;
      }
      results.push(result);
      if (result.waitMs === Infinity) return results;
      if (results.length > 100) throw new Error(`no progress after 100 steps: ${JSON.stringify(results.slice(-3))}`);
      if (result.waitMs) await sleep(result.waitMs);
    }
  };

  it('commits the events before a poison event, dead-letters it after its attempts, then handles the rest, each once', async () => {
    const poison = events[2].id;
    const projector = runner({
      name: 'runner_poison',
      kind: 'projector',
      eventTypes: ['test.happened'],
      handle: writing('runner_poison', (e) => e.id === poison),
    });
    const results = await drain(projector);
    expect(await handled('runner_poison')).toEqual(
      ids(events)
        .filter((id) => id !== poison)
        .sort(),
    );
    expect(await deadLetters('runner_poison')).toEqual([{ event_id: poison, attempts: 3 }]);
    expect(warnings.filter((w) => (w as { eventId?: string }).eventId === poison)).toHaveLength(3);
    // Every event passed exactly once: the two before the poison, the poison, the three after it.
    expect(results.reduce((sum, r) => sum + r.processed, 0)).toBe(events.length);
  });

  it("follows a failed batch call with one-by-one handling, keeping nothing of the failed steps' writes", async () => {
    const flaky = events[3].id;
    let failuresLeft = 2;
    const batches: string[][] = [];
    const spec: ConsumerSpec = {
      name: 'runner_batch',
      kind: 'projector',
      eventTypes: ['test.happened'],
      handle: writing('runner_batch', (e) => e.id === flaky && failuresLeft-- > 0),
      handleBatch: async (batch) => {
        batches.push(ids(batch));
        for (const event of batch) await writing('runner_batch', (e) => e.id === flaky)(event);
      },
    };
    await drain(runner(spec));
    expect(await handled('runner_batch')).toEqual(ids(events).sort());
    expect(await deadLetters('runner_batch')).toEqual([]);
    expect(batches[0]).toEqual(ids(events)); // the batch call failed on the flaky event; its writes rolled back
  });

  it("claims a subscriber's events in its inbox in the step's transaction: a failed step claims nothing", async () => {
    let failuresLeft = 1;
    const subscriber = runner(
      {
        name: 'runner_inbox',
        kind: 'subscriber',
        eventTypes: ['test.happened'],
        handle: writing('runner_inbox', (e) => e.id === events[0].id && failuresLeft-- > 0),
      },
      2,
    );
    await drain(subscriber);
    expect(await handled('runner_inbox')).toEqual(ids(events).sort());
    const { rows } = await engine.context.pool.query<{ event_id: string }>(
      `SELECT event_id FROM event_inbox WHERE consumer = 'runner_inbox' ORDER BY event_id`,
    );
    expect(rows.map((r) => r.event_id)).toEqual(ids(events).sort());
  });

  it('waits while a rebuild holds its checkpoint row, and goes on from it afterwards', async () => {
    const projector = runner({
      name: 'runner_locked',
      kind: 'projector',
      eventTypes: ['test.happened'],
      handle: writing('runner_locked', () => false),
    });
    await engine.context.pool.query(`INSERT INTO consumer_checkpoints (consumer) VALUES ('runner_locked')`);
    const rebuild = await engine.context.pool.connect();
    try {
      await rebuild.query('BEGIN');
      await rebuild.query(`SELECT 1 FROM consumer_checkpoints WHERE consumer = 'runner_locked' FOR UPDATE`);
      expect(await projector.step()).toEqual({ processed: 0, waitMs: 200 });
      await rebuild.query('COMMIT');
    } finally {
      rebuild.release();
    }
    await drain(projector);
    expect(await handled('runner_locked')).toEqual(ids(events).sort());
  });
});
