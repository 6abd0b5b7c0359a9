import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { node } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { currentTraceparent, runInTraceContext, traceLogFields } from './trace-context';

const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('trace context helpers', () => {
  it('without an SDK (OTEL_SDK_DISABLED, tests): run the work and nothing else', async () => {
    expect(currentTraceparent()).toBeUndefined();
    expect(traceLogFields()).toEqual({});
    const seen = await runInTraceContext(parent, 'project x', async () => ({ traceparent: currentTraceparent(), log: traceLogFields() }));
    expect(seen).toEqual({ traceparent: undefined, log: {} });
    await expect(runInTraceContext(undefined, 'project y', async () => 42)).resolves.toBe(42);
  });

  it('with an SDK: the handler span continues the stored traceparent, and failures are recorded', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new node.NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider.register();
    try {
      const inside = await runInTraceContext(parent, 'project task.created', async () => currentTraceparent(), { 'event.type': 'task.created' });
      await expect(runInTraceContext(parent, 'project task.deleted', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      const [ok, failed] = exporter.getFinishedSpans();
      expect(ok.name).toBe('project task.created');
      expect(ok.kind).toBe(SpanKind.CONSUMER);
      expect(ok.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(ok.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
      expect(ok.attributes).toEqual({ 'event.type': 'task.created' });
      expect(inside).toBe(`00-${ok.spanContext().traceId}-${ok.spanContext().spanId}-01`);
      expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
      expect(failed.events.map((e) => e.name)).toEqual(['exception']);
    } finally {
      await provider.shutdown();
    }
  });
});
