import { useEngineWithoutConsumers } from '../../../../test/support/events-fixtures';
import { claimInbox, inboxedIds } from './event-inbox';

describe('a subscriber inbox', () => {
  const engine = useEngineWithoutConsumers();

  it('claims each event once per consumer, in one statement for the batch', async () => {
    const [a, b, c] = (await engine.context.write(3)).map((e) => e.id);
    expect(await engine.transactions.run((tx) => claimInbox(tx, 'inbox_one', [a, b]))).toEqual(new Set([a, b]));
    expect(await engine.transactions.run((tx) => claimInbox(tx, 'inbox_one', [b, c]))).toEqual(new Set([c]));
    expect(await engine.transactions.run((tx) => claimInbox(tx, 'inbox_two', [a]))).toEqual(new Set([a]));
    expect(await inboxedIds(engine.transactions.db, 'inbox_one', [a, b, c])).toEqual(new Set([a, b, c]));
    expect(await inboxedIds(engine.transactions.db, 'inbox_two', [a, b, c])).toEqual(new Set([a]));
  });

  it('keeps nothing a rolled-back transaction claimed', async () => {
    const [a] = (await engine.context.write(1)).map((e) => e.id);
    await expect(
      engine.transactions.run(async (tx) => {
        await claimInbox(tx, 'inbox_rollback', [a]);
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await inboxedIds(engine.transactions.db, 'inbox_rollback', [a])).toEqual(new Set());
  });

  it('answers an empty set for no events', async () => {
    expect(await engine.transactions.run((tx) => claimInbox(tx, 'inbox_one', []))).toEqual(new Set());
    expect(await inboxedIds(engine.transactions.db, 'inbox_one', [])).toEqual(new Set());
  });
});
