import fc from 'fast-check';
import { propertySettings } from '../../../../test/support/property-seed';
import { HandlerFailure } from './event-failures';
import type { LogEvent } from './event-log';
import { FailureIsolation } from './failure-isolation';

const event = (id: string) => ({ id }) as LogEvent;
const failure = (index: number, id: string) => new HandlerFailure(index, event(id), new Error(`boom ${id}`));
const options = { maxAttempts: 3, retryBaseMs: 100 };

describe('FailureIsolation', () => {
  it('reads a full batch while nothing fails', () => {
    const isolation = new FailureIsolation(options);
    expect(isolation.next(50, 0)).toEqual({ limit: 50, oneByOne: false });
    isolation.passed();
    expect(isolation.next(50, 0)).toEqual({ limit: 50, oneByOne: false });
  });

  it('follows a failed batch call with one step that calls the handler one event at a time', () => {
    const isolation = new FailureIsolation(options);
    expect(isolation.failed(failure(-1, 'e1'), 0)).toBeUndefined();
    expect(isolation.next(50, 0)).toEqual({ limit: 50, oneByOne: true });
    expect(isolation.next(50, 0)).toEqual({ limit: 50, oneByOne: false });
  });

  it('commits the events before a failing one first, then reads full batches again', () => {
    const isolation = new FailureIsolation(options);
    expect(isolation.failed(failure(7, 'e8'), 0)).toBeUndefined();
    expect(isolation.next(50, 0)).toEqual({ limit: 7, oneByOne: false });
    expect(isolation.next(50, 0)).toEqual({ limit: 50, oneByOne: false });
  });

  it('retries the first event alone after a backoff doubled per attempt, then hands it to dead letters', () => {
    const isolation = new FailureIsolation(options);
    expect(isolation.failed(failure(0, 'e1'), 1_000)).toMatchObject({ eventId: 'e1', attempts: 1, retryAt: 1_100 });
    expect(isolation.next(50, 1_050)).toEqual({ waitMs: 50 });
    expect(isolation.next(50, 1_100)).toEqual({ limit: 1, oneByOne: false });
    isolation.reading('e1');
    expect(isolation.exhausted('e1')).toBeUndefined();
    expect(isolation.failed(failure(0, 'e1'), 1_100)).toMatchObject({ attempts: 2, retryAt: 1_300 });
    expect(isolation.next(50, 1_300)).toEqual({ limit: 1, oneByOne: false });
    expect(isolation.failed(failure(0, 'e1'), 1_300)).toMatchObject({ attempts: 3, retryAt: 1_300 });
    expect(isolation.next(50, 1_300)).toEqual({ limit: 1, oneByOne: false });
    isolation.reading('e1');
    expect(isolation.exhausted('e1')).toMatchObject({ eventId: 'e1', attempts: 3, error: 'Error: boom e1' });
    isolation.passed();
    expect(isolation.exhausted('e1')).toBeUndefined();
    expect(isolation.next(50, 1_300)).toEqual({ limit: 50, oneByOne: false });
  });

  it('forgets a failing event the consumer finds already passed (a dead-letter retry, a rebuild)', () => {
    const isolation = new FailureIsolation({ maxAttempts: 1, retryBaseMs: 100 });
    isolation.failed(failure(0, 'e1'), 0);
    expect(isolation.exhausted('e1')).toBeDefined();
    isolation.reading('e2');
    expect(isolation.exhausted('e1')).toBeUndefined();
    expect(isolation.next(50, 0)).toEqual({ limit: 50, oneByOne: false });
  });
});

/**
 * A consumer over a log whose handler fails some events a few times and some forever, driven the
 * way ConsumerRunner drives it (a failed step commits nothing). Whatever the failures and the
 * batch size, every event is passed exactly once in log order: handled, or dead-lettered after
 * exactly `maxAttempts` counted attempts when it never succeeds.
 */
describe('FailureIsolation (property)', () => {
  const maxAttempts = 4;
  const failuresArb = fc.oneof(
    { weight: 6, arbitrary: fc.constant(0) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: maxAttempts - 1 }) },
    { weight: 1, arbitrary: fc.constant(Infinity) },
  );

  it('passes every event once, in order, dead-lettering exactly those that never succeed', () => {
    fc.assert(
      fc.property(
        fc.array(failuresArb, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 10 }),
        fc.boolean(),
        (failures, batchSize, batchCalls) => {
          const remaining = [...failures];
          const isolation = new FailureIsolation({ maxAttempts, retryBaseMs: 10 });
          const passed: { index: number; dead: boolean }[] = [];
          let now = 0;
          for (let steps = 0; passed.length < failures.length; steps++) {
            if (steps > 10_000) throw new Error('no progress');
            const next = isolation.next(batchSize, now);
            if ('waitMs' in next) {
              now += next.waitMs;
              continue;
            }
            const from = passed.length;
            const read = failures.slice(from, from + next.limit).map((_, i) => from + i);
            isolation.reading(String(read[0]));
            const exhausted = isolation.exhausted(String(read[0]));
            if (exhausted) {
              expect(exhausted.attempts).toBe(maxAttempts);
              passed.push({ index: read[0], dead: true });
              isolation.passed();
              continue;
            }
            try {
              if (batchCalls && read.length > 1 && !next.oneByOne) {
                if (read.some((i) => remaining[i] > 0)) throw failure(-1, String(read[0]));
              } else
                for (const [position, i] of read.entries()) {
                  if (remaining[i] > 0) {
                    remaining[i]--;
                    throw failure(position, String(i));
                  }
                }
              passed.push(...read.map((index) => ({ index, dead: false })));
              isolation.passed();
            } catch (err) {
              isolation.failed(err as HandlerFailure, now);
            }
          }
          expect(passed.map((p) => p.index)).toEqual(failures.map((_, i) => i));
          expect(passed.filter((p) => p.dead).map((p) => p.index)).toEqual(
            failures.flatMap((f, i) => (f === Infinity ? [i] : [])),
          );
        },
      ),
      propertySettings('failure isolation', 300),
    );
  });
});
