import { AsyncLocalStorage } from 'node:async_hooks';

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

const storage = new AsyncLocalStorage<RequestContext>();

export const requestContext = {
  run<T>(context: RequestContext, work: () => T): T {
    return storage.run(context, work);
  },
  /** Enters `context` for the rest of the current async flow (a Fastify onRequest hook has no callback to wrap). */
  enter(context: RequestContext): void {
    storage.enterWith(context);
  },
  current(): RequestContext | undefined {
    return storage.getStore();
  },
  /** Sets the actor once authentication has identified the caller. */
  setActor(actor: string): void {
    const context = storage.getStore();
    if (context) context.actor = actor;
  },
};
