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
  /**
   * `X-Consistency-Token` of the request's response: the point of the last event its commands
   * committed (set by the unit of work after COMMIT, or from a command's recorded outcome when
   * idempotency rebuilds a response).
   */
  consistencyToken?: string;
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
  /** Keeps the later of the request's consistency token and `token` (`<transaction id>.<position>`, compared as numbers). */
  noteConsistencyToken(token: string | undefined): void {
    const context = slot.get();
    if (context && token && (!context.consistencyToken || laterThan(token, context.consistencyToken)))
      context.consistencyToken = token;
  },
  /** Sets the actor once authentication has identified the caller. */
  setActor(actor: string): void {
    const context = slot.get();
    if (context) context.actor = actor;
  },
};

function laterThan(a: string, b: string): boolean {
  const [ax, ap] = a.split('.').map(BigInt);
  const [bx, bp] = b.split('.').map(BigInt);
  return ax !== bx ? ax > bx : ap > bp;
}
