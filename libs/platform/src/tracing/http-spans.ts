import {
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { activeContext, runInContext } from '../context/async-context.js';

/** Scope name of the HTTP server spans (what a trace backend shows as their instrumentation). */
export const HTTP_TRACER_NAME = '@app/platform/http';

const SPAN = Symbol('httpServerSpan');
const CONTEXT = Symbol('httpServerContext');
const ENDED = Symbol('httpServerSpanEnded');
const IDS = Symbol('httpServerSpanIds');
type Traced = FastifyRequest & { [SPAN]?: Span; [CONTEXT]?: Context; [ENDED]?: boolean; [IDS]?: SpanContext };

/** The ids of a request's server span (sampled or not), or undefined without a valid one (no SDK). */
export function requestSpanContext(request: FastifyRequest): SpanContext | undefined {
  return (request as Traced)[IDS];
}

/** The W3C traceparent of a request's server span (sampled or not), or undefined without a valid one. */
export function requestTraceparent(request: FastifyRequest): string | undefined {
  const ids = (request as Traced)[IDS];
  return ids && `00-${ids.traceId}-${ids.spanId}-0${ids.traceFlags & 1}`;
}

export interface HttpSpanOptions {
  /** Requests to leave alone: no span, no context (probes and scrapes). */
  ignore: (url: string) => boolean;
  /**
   * The context the request's work runs in, given the span's (or ROOT_CONTEXT when the span is
   * not recorded): configureHttp adds the request context. Without it, only a recorded span's
   * context is entered.
   */
  context?: (request: FastifyRequest, base: Context) => Context;
}

/**
 * One SERVER span per request, started from Fastify's hooks (docs/decisions/0042): named after
 * the route template (`GET /api/v1/tasks/:id`), continuing the caller's `traceparent`, ended when
 * the response is sent (or the client aborts). A recorded span's context is active for the
 * request's work, so pg and ioredis spans become its children; it is entered in the process's one
 * async context (docs/decisions/0057), together with whatever `options.context` adds.
 *
 * This replaces the server side of `@opentelemetry/instrumentation-http`, which binds every
 * request's and response's event emitters to the context and builds its attributes even for
 * unsampled requests; here an unsampled request costs one sampling decision.
 * Without a started SDK the API is a no-op and so is the span (the caller's traceparent still
 * reaches the request context through configureHttp's fallback).
 */
export function traceHttpServer(fastify: FastifyInstance, options: HttpSpanOptions): void {
  const tracer = trace.getTracer(HTTP_TRACER_NAME);
  // Declared up front so every request object keeps one shape.
  fastify.decorateRequest(SPAN, undefined);
  fastify.decorateRequest(CONTEXT, undefined);
  fastify.decorateRequest(ENDED, false);
  fastify.decorateRequest(IDS, undefined);
  const end = (request: Traced): Span | undefined => {
    if (request[ENDED]) return undefined;
    request[ENDED] = true;
    return request[SPAN];
  };

  const aborted = (request: Traced) => {
    const span = end(request);
    if (span) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'client aborted the request' });
      span.end();
    }
  };

  fastify.addHook('onRequest', (request, reply, done) => {
    if (options.ignore(request.url)) return done();
    const route = request.routeOptions.url;
    const parent =
      request.headers.traceparent === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, request.headers);
    const span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      { kind: SpanKind.SERVER },
      parent,
    );
    (request as Traced)[SPAN] = span;
    // Checked once here; the request context's traceparent and the log line read them.
    const ids = span.spanContext();
    if (isSpanContextValid(ids)) (request as Traced)[IDS] = ids;
    // Only a recorded span becomes the active one. An unsampled request runs without a span in
    // its context, so pg and ioredis (requireParentSpan) skip their per-query wrapping entirely;
    // its trace ids still reach the logs and the request context through the request itself.
    let ctx: Context | undefined;
    if (span.isRecording()) {
      span.setAttributes({
        'http.request.method': request.method,
        'url.path': request.url.split('?', 1)[0],
        'url.scheme': request.protocol,
        'server.address': request.hostname,
        'client.address': request.ip,
        'user_agent.original': request.headers['user-agent'] ?? '',
        ...(route ? { 'http.route': route } : {}),
      });
      ctx = trace.setSpan(parent, span);
      // Only a recorded span waits to hear that its client went away: Fastify's onRequestAbort
      // hook would add a 'close' listener to every request, which cost an unsampled request more
      // than the rest of this hook (docs/decisions/0058).
      reply.raw.once('close', () => reply.raw.writableFinished || aborted(request));
    }
    if (options.context) ctx = options.context(request, ctx ?? ROOT_CONTEXT);
    if (!ctx) return done();
    (request as Traced)[CONTEXT] = ctx;
    runInContext(ctx, done);
  });

  // A body is parsed from socket events, outside the context entered above: the handler (and
  // everything it awaits) re-enters it here. A request without a body is still inside it.
  fastify.addHook('preHandler', (request, _reply, done) => {
    const ctx = (request as Traced)[CONTEXT];
    return ctx && activeContext() !== ctx ? runInContext(ctx, done) : done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const span = end(request);
    if (span) {
      if (span.isRecording()) {
        span.setAttribute('http.response.status_code', reply.statusCode);
        if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    }
    done();
  });
}
