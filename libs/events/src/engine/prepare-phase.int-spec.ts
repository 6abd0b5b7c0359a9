import type { StoredEvent } from '../event';
import { untilReadable, useEngineWithoutConsumers } from '../../../../test/support/events-fixtures';
import { wantsType } from './consumer-spec';
import { HandlerFailure } from './event-failures';
import { claimInbox } from './event-inbox';
import type { LogEvent } from './event-log';
import { FailureIsolation } from './failure-isolation';
import { PreparePhase } from './prepare-phase';

// One database, one write per test run; every consumer name reads the log from its start.
describe('the prepare phase', () => {
  const engine = useEngineWithoutConsumers();
  let events: StoredEvent[];
  beforeAll(async () => {
    events = await engine.context.write(6);
    await untilReadable(engine.transactions.db, events);
  }, 60_000);

  const phase = (name: string, prepare: (e: StoredEvent) => Promise<unknown>, eventTypes = ['test.happened']) => {
    const calls: string[] = [];
    const spec = {
      name,
      kind: 'subscriber' as const,
      eventTypes,
      handle: async () => {},
      prepare: (e: StoredEvent) => (calls.push(e.id), prepare(e)),
    };
    return { calls, preparer: new PreparePhase(spec, wantsType(spec), 100) };
  };
  const ids = (list: StoredEvent[]) => list.map((e) => e.id);
  const options = { maxAttempts: 5, retryBaseMs: 1 };

  it('prepares every wanted event the inbox does not hold, outside any transaction, and plans them all', async () => {
    let inTransaction = 0;
    await engine.transactions.run((tx) => claimInbox(tx, 'pp_all', [events[1].id]));
    const { calls, preparer } = phase('pp_all', async (e) => {
      if (engine.transactions.current()) inTransaction++;
      return `value:${e.id}`;
    });
    const plan = await preparer.plan(engine.transactions.db, 100, new FailureIsolation(options));
    expect(plan).toMatchObject({ kind: 'planned', ids: ids(events) });
    expect(calls.sort()).toEqual(
      ids(events)
        .filter((id) => id !== events[1].id)
        .sort(),
    );
    expect(inTransaction).toBe(0);
    expect(await preparer.valueFor(events[0] as LogEvent)).toBe(`value:${events[0].id}`);
    expect(calls).toHaveLength(5); // the value was kept, not prepared again
  });

  it('plans nothing for a consumer of other types, preparing nothing', async () => {
    const { calls, preparer } = phase('pp_other', async () => 'v', ['other.type']);
    expect(await preparer.plan(engine.transactions.db, 100, new FailureIsolation(options))).toMatchObject({
      kind: 'planned',
      ids: ids(events),
    });
    expect(calls).toEqual([]);
  });

  it('ends the plan before the first event whose prepare failed, and throws when that is the first', async () => {
    const poison = events[3].id;
    const { preparer } = phase('pp_fails', async (e) => {
      if (e.id === poison) throw new Error('prepare failed');
      return 'v';
    });
    expect(await preparer.plan(engine.transactions.db, 100, new FailureIsolation(options))).toMatchObject({
      kind: 'planned',
      ids: ids(events.slice(0, 3)),
    });
    const first = phase('pp_fails_first', async (e) => {
      if (e.id === events[0].id) throw new Error('prepare failed');
      return 'v';
    });
    const thrown = await first.preparer
      .plan(engine.transactions.db, 100, new FailureIsolation(options))
      .catch((err: unknown) => err);
    expect(thrown).toBeInstanceOf(HandlerFailure);
    expect(thrown).toMatchObject({ index: 0, event: { id: events[0].id }, message: 'prepare failed' });
  });

  it('plans an event whose attempts are used up alone, unprepared, to be dead-lettered', async () => {
    const { calls, preparer } = phase('pp_dead', async () => 'v');
    const isolation = new FailureIsolation({ maxAttempts: 2, retryBaseMs: 1 });
    isolation.failed(new HandlerFailure(0, events[0] as LogEvent, 'x'));
    isolation.failed(new HandlerFailure(0, events[0] as LogEvent, 'x'));
    expect(await preparer.plan(engine.transactions.db, 100, isolation)).toMatchObject({
      kind: 'planned',
      ids: [events[0].id],
    });
    expect(calls).toEqual([]);
  });

  it('prepares afresh what it was told to forget', async () => {
    const { calls, preparer } = phase('pp_forget', async () => 'v');
    await preparer.plan(engine.transactions.db, 2, new FailureIsolation(options));
    preparer.forget([events[0].id]);
    await preparer.plan(engine.transactions.db, 2, new FailureIsolation(options));
    expect(calls).toEqual([events[0].id, events[1].id, events[0].id]);
  });
});
