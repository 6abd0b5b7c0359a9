import { randomBytes } from 'node:crypto';
import {
  SpanKind,
  SpanStatusCode,
  defaultTextMapGetter,
  isSpanContextValid,
  trace,
  type Attributes,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { activeContext } from '../context/async-context.js';

/**
 * Trace helpers on the OpenTelemetry API only (no SDK): without a started SDK they cost next to
 * nothing and the spans they make are no-ops, so code may call them unconditionally.
 */
const propagator = new W3CTraceContextPropagator();
const tracer = trace.getTracer('task-backend');

/** The W3C traceparent of the active span, or undefined when there is none. */
export function currentTraceparent(): string | undefined {
  const ctx = trace.getActiveSpan()?.spanContext();
  if (!ctx || !isSpanContextValid(ctx)) return undefined;
  return `00-${ctx.traceId}-${ctx.spanId}-0${(ctx.traceFlags & 1).toString(16)}`;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZEROS = /^0+$/;

/**
 * A W3C traceparent for work that no valid span covers (no tracer provider registered, as with
 * OTEL_SDK_DISABLED or no OTLP endpoint): a child of `parent` when that is a valid traceparent
 * (its trace id and flags, a new span id), else the start of a new, unsampled trace. Events and
 * integration messages carry it, so they are correlatable whether or not spans are exported.
 */
export function childTraceparent(parent?: string): string {
  const ids = randomBytes(24).toString('hex');
  const spanId = ZEROS.test(ids.slice(32)) ? '0000000000000001' : ids.slice(32);
  const m = parent === undefined ? null : TRACEPARENT.exec(parent);
  if (m && !ZEROS.test(m[1]) && !ZEROS.test(m[2])) return `00-${m[1]}-${spanId}-${m[3]}`;
  const traceId = ZEROS.test(ids.slice(0, 32)) ? '00000000000000000000000000000001' : ids.slice(0, 32);
  return `00-${traceId}-${spanId}-00`;
}

/** `{ trace_id, span_id }` of the active span for a log line (pino mixin), or `{}`. */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  const ctx = trace.getActiveSpan()?.spanContext();
  if (!ctx || !isSpanContextValid(ctx)) return {};
  return { trace_id: ctx.traceId, span_id: ctx.spanId };
}

/**
 * Runs `work` in a new span (kind CONSUMER) whose parent is `traceparent`, e.g. the one stored in
 * an event's metadata, so the worker's handling continues the trace of the request that wrote
 * the event. Without a valid traceparent the span starts a new trace. The rest of the active
 * context (an open transaction, for one) is kept. The events engine calls it around each handler:
 * `runInTraceContext(event.metadata.traceparent, 'tasks-projector task.created', () => handle(event))`.
 */
export function runInTraceContext<T>(
  traceparent: string | undefined,
  name: string,
  work: () => Promise<T>,
  attributes: Attributes = {},
): Promise<T> {
  const base = trace.deleteSpan(activeContext());
  const parent = traceparent ? propagator.extract(base, { traceparent }, defaultTextMapGetter) : base;
  return tracer.startActiveSpan(name, { kind: SpanKind.CONSUMER, attributes }, parent, async (span) => {
    try {
      return await work();
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}
