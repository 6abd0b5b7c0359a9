import type { StoredEvent } from '../event';
import { useEngineWithoutConsumers } from '../../../../test/support/events-fixtures';
import type { ConsumerSpec } from './consumer-spec';
import { recordDeadLetter, retryDeadLetter } from './dead-letters';
import { failedAttempt } from './event-failures';
import { claimInbox } from './event-inbox';
import type { LogEvent } from './event-log';

describe('dead letters', () => {
  const engine = useEngineWithoutConsumers();
  const logged: string[] = [];
  const logger = {
    warn: (_: unknown, msg: string) => logged.push(`warn ${msg}`),
    error: (_: unknown, msg: string) => logged.push(`error ${msg}`),
  };

  const letters = async (consumer: string) =>
    (
      await engine.context.pool.query<{ event_id: string; attempts: number; error: string; requested: boolean }>(
        `SELECT event_id, attempts, error, retry_requested_at IS NOT NULL AS requested FROM dead_letters WHERE consumer = $1`,
        [consumer],
      )
    ).rows;
  const deadLetter = async (consumer: string, event: StoredEvent, attempts = 3) => {
    let failing = failedAttempt(undefined, event.id, new Error('poison'), { maxAttempts: attempts, retryBaseMs: 1 });
    for (let i = 1; i < attempts; i++)
      failing = failedAttempt(failing, event.id, new Error('poison'), { maxAttempts: attempts, retryBaseMs: 1 });
    await engine.transactions.run((tx) => recordDeadLetter(tx, consumer, event as LogEvent, failing, logger));
  };
  const requestRetry = (consumer: string) =>
    engine.context.pool.query(`UPDATE dead_letters SET retry_requested_at = now() WHERE consumer = $1`, [consumer]);
  const spec = (
    name: string,
    kind: ConsumerSpec['kind'],
    handle: (e: StoredEvent, prepared?: unknown) => Promise<void>,
    prepare?: ConsumerSpec['prepare'],
  ): ConsumerSpec => ({ name, kind, eventTypes: ['*'], handle, prepare });

  it('records an event with its attempts and error, adding the attempts of a later failure', async () => {
    const [event] = await engine.context.write(1);
    await deadLetter('dl_record', event, 3);
    expect(await letters('dl_record')).toEqual([
      { event_id: event.id, attempts: 3, error: 'Error: poison', requested: false },
    ]);
    await deadLetter('dl_record', event, 2);
    expect((await letters('dl_record'))[0].attempts).toBe(5);
    expect(logged).toContain('error event moved to dead letters');
  });

  it('retries nothing an admin did not ask for', async () => {
    const [event] = await engine.context.write(1);
    await deadLetter('dl_unasked', event);
    const handled: string[] = [];
    expect(
      await retryDeadLetter(
        engine.transactions,
        spec('dl_unasked', 'projector', async (e) => void handled.push(e.id)),
        logger,
      ),
    ).toBe(false);
    expect(handled).toEqual([]);
    expect(await letters('dl_unasked')).toHaveLength(1);
  });

  it('handles a requested retry with its prepared value, then removes the letter', async () => {
    const [event] = await engine.context.write(1);
    await deadLetter('dl_retry', event);
    await requestRetry('dl_retry');
    const handled: unknown[] = [];
    const subscriber = spec(
      'dl_retry',
      'subscriber',
      async (e, prepared) => void handled.push([e.id, prepared]),
      async (e) => `prepared:${e.id}`,
    );
    expect(await retryDeadLetter(engine.transactions, subscriber, logger)).toBe(true);
    expect(handled).toEqual([[event.id, `prepared:${event.id}`]]);
    expect(await letters('dl_retry')).toEqual([]);
  });

  it('does not hand a subscriber an event its inbox holds, but still removes the letter', async () => {
    const [event] = await engine.context.write(1);
    await deadLetter('dl_inboxed', event);
    await engine.transactions.run((tx) => claimInbox(tx, 'dl_inboxed', [event.id]));
    await requestRetry('dl_inboxed');
    const handled: string[] = [];
    expect(
      await retryDeadLetter(
        engine.transactions,
        spec('dl_inboxed', 'subscriber', async (e) => void handled.push(e.id)),
        logger,
      ),
    ).toBe(true);
    expect(handled).toEqual([]);
    expect(await letters('dl_inboxed')).toEqual([]);
  });

  it('records a failed retry as one more attempt and clears the request', async () => {
    const [event] = await engine.context.write(1);
    await deadLetter('dl_fails', event, 3);
    await requestRetry('dl_fails');
    const failing = spec('dl_fails', 'projector', () => Promise.reject(new TypeError('still broken')));
    expect(await retryDeadLetter(engine.transactions, failing, logger)).toBe(false);
    expect(await letters('dl_fails')).toEqual([
      { event_id: event.id, attempts: 4, error: 'TypeError: still broken', requested: false },
    ]);
    expect(logged).toContain('warn dead letter retry failed');
  });
});
