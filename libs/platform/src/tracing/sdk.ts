import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface TracingOptions {
  serviceName?: string;
  /** Overrides the processors (tests use an in-memory exporter); default: OTLP when configured. */
  spanProcessors?: SpanProcessor[];
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts the OpenTelemetry Node SDK: HTTP, pg, ioredis (and undici for outgoing fetch)
 * auto-instrumentation, the noisy ones (fs, dns, net...) off. Spans go through a batch
 * processor to OTLP only when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set;
 * otherwise no tracer provider is registered at all: nothing is recorded or exported, while
 * an incoming traceparent still propagates (logs and event metadata keep the caller's trace id).
 * OTEL_SDK_DISABLED=true turns everything off. Returns undefined when not started.
 */
export function startTracing(options: TracingOptions = {}): NodeSDK | undefined {
  const env = options.env ?? process.env;
  if (/^true$/i.test(env.OTEL_SDK_DISABLED ?? '')) return undefined;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const spanProcessors = options.spanProcessors ?? (endpoint ? [new BatchSpanProcessor(new OTLPTraceExporter())] : []);
  const sdk = new NodeSDK({
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
        '@opentelemetry/instrumentation-http': {
          // Probes and scrapes are not worth a trace.
          ignoreIncomingRequestHook: (req) => /^\/(health|ready|metrics)(\?|$)/.test(req.url ?? ''),
        },
        '@opentelemetry/instrumentation-pg': { requireParentSpan: true, enhancedDatabaseReporting: false, ignoreConnectSpans: true },
        '@opentelemetry/instrumentation-ioredis': { requireParentSpan: true },
      }),
    ],
  });
  sdk.start();
  return sdk;
}
