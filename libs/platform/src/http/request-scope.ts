import { isSpanContextValid, trace, type Context } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { activeContext, runInContext } from '../context/async-context.js';
import { requestContext, type RequestContext } from '../context/request-context.js';
import { childTraceparent } from '../tracing/trace-context.js';

const SCOPE = Symbol('requestScope');
type Scoped = FastifyRequest & { [SCOPE]: { context: Context; value: RequestContext } | null };

/** The request context a request runs in (undefined for probes and scrapes). */
export function requestContextOf(request: FastifyRequest): RequestContext | undefined {
  return (request as Scoped)[SCOPE]?.value;
}

/**
 * Enters the request context (request id, correlation id, traceparent) for the request's work, on
 * top of the active context, which holds the HTTP server span when tracing is on: both live in the
 * process's one async context (docs/decisions/0057). Its traceparent is the server span's (sampled
 * or not), so the worker's span continues the request's trace; without a span (no SDK), a span id
 * of its own in the caller's trace, or a new trace. Register it after the tracing plugin.
 */
export function enterRequestContext(fastify: FastifyInstance, quiet: (url: string) => boolean): void {
  fastify.decorateRequest(SCOPE, null);
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (quiet(request.url)) return done();
    const base = activeContext();
    const value: RequestContext = {
      requestId: request.id,
      correlationId: request.id,
      traceparent: traceparentOf(base, request.headers.traceparent),
    };
    const context = requestContext.in(base, value);
    (request as Scoped)[SCOPE] = { context, value };
    runInContext(context, done);
  });
  // A body is parsed from socket events, outside the context entered above: the handler (and
  // everything it awaits) re-enters it here. A request without a body is still inside it.
  fastify.addHook('preHandler', (request, _reply, done) => {
    const scope = (request as Scoped)[SCOPE];
    return scope && activeContext() !== scope.context ? runInContext(scope.context, done) : done();
  });
}

function traceparentOf(context: Context, sent: string | string[] | undefined): string {
  const ids = trace.getSpanContext(context);
  if (ids && isSpanContextValid(ids)) return `00-${ids.traceId}-${ids.spanId}-0${ids.traceFlags & 1}`;
  return childTraceparent(typeof sent === 'string' ? sent : undefined);
}
