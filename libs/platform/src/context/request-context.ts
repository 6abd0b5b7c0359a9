import type { Context } from '@opentelemetry/api';
import { contextSlot } from './async-context.js';

/**
 * Who and what a unit of work runs for: set per HTTP request (and per handled event in the
 * worker), read by the event store for event metadata and by logging. Never holds secrets.
 */
export interface RequestContext {
  requestId: string;
  /** The authenticated user id, or undefined for anonymous requests and system work. */
  actor?: string;
  correlationId: string;
  causationId?: string;
  /** W3C traceparent of the work that caused this, stored in event metadata. */
  traceparent?: string;
}

const slot = contextSlot<RequestContext>('request context');

export const requestContext = {
  run<T>(context: RequestContext, work: () => T): T {
    return slot.run(context, work);
  },
  /** `base` with `context` as its request context (the HTTP hooks enter it for the request's work). */
  in(base: Context, context: RequestContext): Context {
    return slot.set(base, context);
  },
  current(): RequestContext | undefined {
    return slot.get();
  },
  /** Sets the actor once authentication has identified the caller. */
  setActor(actor: string): void {
    const context = slot.get();
    if (context) context.actor = actor;
  },
};
