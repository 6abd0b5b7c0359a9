import { randomUUID } from 'node:crypto';
import { childTraceparent, currentTraceparent, requestContext, runInTraceContext } from '@app/platform';
import type { StoredEvent } from '../event.js';
import type { ConsumerSpec } from './consumer-spec.js';

/**
 * Runs `work` with the event's context, so events it appends carry the cause and trace: in a span
 * (`<consumer> <event type>`, `<consumer> prepare <event type>` for a subscriber's prepare phase;
 * kind CONSUMER) that continues the trace of the request that wrote the
 * event (its traceparent in the metadata), and with a request context whose cause is the event.
 */
export function inEventContext<T>(
  consumer: string,
  event: StoredEvent,
  work: () => Promise<T>,
  phase?: 'prepare',
): Promise<T> {
  const m = event.metadata;
  return runInTraceContext(
    m.traceparent,
    phase ? `${consumer} ${phase} ${event.type}` : `${consumer} ${event.type}`,
    () =>
      requestContext.run(
        // The handler's span; without one (tracing off), a span id of its own in the event's trace.
        {
          requestId: randomUUID(),
          actor: m.actor,
          correlationId: m.correlationId ?? event.id,
          causationId: event.id,
          traceparent: currentTraceparent() ?? childTraceparent(m.traceparent),
        },
        work,
      ),
    { 'messaging.consumer.group.name': consumer, 'messaging.message.id': event.id, 'event.type': event.type },
  );
}

/** Runs a handler with the event's context, so events it appends carry the cause and trace. */
export function handleInContext(
  spec: Pick<ConsumerSpec, 'name' | 'handle'>,
  event: StoredEvent,
  prepared?: unknown,
): Promise<void> {
  return inEventContext(spec.name, event, () => spec.handle(event, prepared));
}

/** Runs a subscriber's `prepare` with the event's context. */
export function prepareInContext(spec: Pick<ConsumerSpec, 'name' | 'prepare'>, event: StoredEvent): Promise<unknown> {
  return inEventContext(spec.name, event, () => spec.prepare!(event), 'prepare');
}
