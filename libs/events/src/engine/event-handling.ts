import type { Database } from '@app/platform';
import type { StoredEvent } from '../event.js';
import type { ConsumerSpec } from './consumer-spec.js';
import { handleInContext } from './event-context.js';
import { HandlerFailure } from './event-failures.js';
import { claimInbox } from './event-inbox.js';
import type { LogEvent } from './event-log.js';

export interface HandlingOptions {
  wanted: (event: StoredEvent) => boolean;
  /** Call `handle` per event even when the consumer has a batch call (after a failed batch call). */
  oneByOne: boolean;
  /** A subscriber's prepared value for an event (PreparePhase). */
  valueFor?: (event: LogEvent) => Promise<unknown>;
}

/**
 * Hands a step's events to the consumer inside the step's transaction: the wanted ones to its
 * batch call, or to `handle` one by one in log order, a subscriber's only when its inbox claim
 * succeeds (at most once per event). A throw becomes a HandlerFailure naming the failing event's
 * index (-1: the batch call), which FailureIsolation narrows down.
 */
export async function handleEvents(
  db: Database,
  spec: ConsumerSpec,
  events: LogEvent[],
  { wanted, oneByOne, valueFor }: HandlingOptions,
): Promise<void> {
  const handled = events.filter(wanted);
  if (spec.handleBatch && events.length > 1 && !oneByOne) {
    try {
      if (handled.length) await spec.handleBatch(handled);
    } catch (err) {
      throw new HandlerFailure(-1, events[0], err);
    }
    return;
  }
  const fresh =
    spec.kind === 'subscriber'
      ? await claimInbox(
          db,
          spec.name,
          handled.map((e) => e.id),
        )
      : undefined;
  for (const [index, event] of events.entries()) {
    if (!wanted(event) || (fresh && !fresh.has(event.id))) continue;
    try {
      await handleInContext(spec, event, await valueFor?.(event));
    } catch (err) {
      throw new HandlerFailure(index, event, err);
    }
  }
}
