import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { contextManager } from '../context/async-context.js';
import { httpServerSpans } from './http-server-spans.js';

/** Share of new traces recorded when OTEL_TRACES_SAMPLER is unset. */
export const DEFAULT_SAMPLE_RATIO = 0.1;

export interface TracingOptions {
  serviceName?: string;
  /** Overrides the processors (tests use an in-memory exporter); default: OTLP when configured. */
  spanProcessors?: SpanProcessor[];
  /** Overrides the sampler (tests record everything). */
  sampler?: Sampler;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts the OpenTelemetry Node SDK: HTTP server spans from `@fastify/otel` (http-server-spans.ts),
 * pg, ioredis, outgoing HTTP and undici auto-instrumentation, the noisy ones (fs, dns, net...) off. Spans go through a batch
 * processor to OTLP only when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set;
 * otherwise no tracer provider is registered at all: nothing is recorded or exported, while
 * an incoming traceparent still propagates (logs and event metadata keep the caller's trace id).
 * OTEL_SDK_DISABLED=true turns everything off. Returns undefined when not started.
 *
 * Sampling: OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG as the OpenTelemetry spec defines them;
 * when unset, parent-based with a 10% ratio for new traces (a sampled caller's trace is always
 * continued). Recording every request costs about a quarter of this service's throughput on its
 * cheapest routes (bench/tracing), which is why the default samples.
 */
export function startTracing(options: TracingOptions = {}): NodeSDK | undefined {
  const env = options.env ?? process.env;
  if (/^true$/i.test(env.OTEL_SDK_DISABLED ?? '')) return undefined;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const spanProcessors = options.spanProcessors ?? (endpoint ? [new BatchSpanProcessor(new OTLPTraceExporter())] : []);
  const sampler =
    options.sampler ??
    (env.OTEL_TRACES_SAMPLER
      ? undefined
      : new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(DEFAULT_SAMPLE_RATIO) }));
  const sdk = new NodeSDK({
    ...(sampler ? { sampler } : {}),
    // The process's one async context: request context and transactions live in it too (0057).
    contextManager,
    serviceName: env.OTEL_SERVICE_NAME || options.serviceName || 'task-backend',
    spanProcessors,
    // No cloud detectors: they probe metadata endpoints over the network at start.
    autoDetectResources: true,
    resourceDetectors: [],
    // Traces only: metrics are prom-client's (GET /metrics), logs are pino's. Without these empty
    // lists the SDK would default to OTLP metric and log exporters (and compute metrics per request).
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      getNodeAutoInstrumentations({
        '@opentelemetry/instrumentation-fs': { enabled: false },
        '@opentelemetry/instrumentation-dns': { enabled: false },
        '@opentelemetry/instrumentation-net': { enabled: false },
        '@opentelemetry/instrumentation-pino': { enabled: false },
        '@opentelemetry/instrumentation-runtime-node': { enabled: false },
        '@opentelemetry/instrumentation-nestjs-core': { enabled: false },
        '@opentelemetry/instrumentation-generic-pool': { enabled: false },
        // Outgoing requests only: server spans come from @fastify/otel (below).
        '@opentelemetry/instrumentation-http': { disableIncomingRequestInstrumentation: true },
        '@opentelemetry/instrumentation-pg': {
          requireParentSpan: true,
          enhancedDatabaseReporting: false,
          ignoreConnectSpans: true,
        },
        '@opentelemetry/instrumentation-ioredis': { requireParentSpan: true },
      }),
      httpServerSpans(),
    ],
  });
  sdk.start();
  return sdk;
}
