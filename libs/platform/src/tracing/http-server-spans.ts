import { FastifyOtelInstrumentation } from '@fastify/otel';
import type { Span } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import { isQuietUrl } from '../http/quiet-urls.js';

/**
 * HTTP server spans through `@fastify/otel` (docs/decisions/0069): one SERVER span per request,
 * continuing the caller's `traceparent`, named after the route template (`GET /api/v1/tasks/:id`),
 * ended when the response is sent. Probes and scrapes are not traced. No span per hook or per
 * handler: Nest's router is one Fastify handler, so those spans would say nothing a pg or ioredis
 * span does not. The span's context is active from the first `onRequest` hook on, so pg and
 * ioredis spans become its children.
 *
 * `registerOnInitialization` (the SDK's way, sdk.ts) adds the plugin to every Fastify instance as
 * it is created, so its hooks run before any of the application's. Tests register
 * `instrumentation.plugin()` on their own instance instead.
 */
export function httpServerSpans(options: { registerOnInitialization?: boolean } = {}): FastifyOtelInstrumentation {
  return new FastifyOtelInstrumentation({
    registerOnInitialization: options.registerOnInitialization ?? true,
    instrumentHooks: false,
    instrumentHandler: false,
    ignorePaths: ({ url }) => isQuietUrl(url),
    requestHook: nameAndDescribe,
  });
}

/** The span's name and the semantic-convention attributes `@fastify/otel` leaves out (recorded spans only). */
function nameAndDescribe(span: Span, request: FastifyRequest): void {
  const route = request.routeOptions.url;
  span.updateName(route ? `${request.method} ${route}` : request.method);
  if (!span.isRecording()) return;
  span.setAttributes({
    'url.path': request.url.split('?', 1)[0],
    'url.scheme': request.protocol,
    'server.address': request.hostname,
    'client.address': request.ip,
    'user_agent.original': request.headers['user-agent'] ?? '',
  });
}
