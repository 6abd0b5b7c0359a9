import { context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { node } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor, type Sampler } from '@opentelemetry/sdk-trace-base';
import { contextManager } from '../../libs/platform/src/context/async-context';

/**
 * A tracer provider registered globally as the SDK registers it (the process's one context
 * manager, W3C propagation), its spans kept in memory. `stop()` unregisters everything.
 */
export function inMemoryTracing(sampler: Sampler): { exporter: InMemorySpanExporter; stop(): Promise<void> } {
  const exporter = new InMemorySpanExporter();
  const provider = new node.NodeTracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register({ contextManager, propagator: new W3CTraceContextPropagator() });
  return {
    exporter,
    async stop() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** For a describe block: `start(sampler)` registers a provider for the current test (stopped after it) and returns its exporter. */
export function inMemoryTracingPerTest(): { start(sampler: Sampler): InMemorySpanExporter } {
  let current: ReturnType<typeof inMemoryTracing> | undefined;
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  return { start: (sampler) => (current = inMemoryTracing(sampler)).exporter };
}
