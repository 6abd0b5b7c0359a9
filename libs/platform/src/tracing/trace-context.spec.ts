import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { node } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { contextManager, contextSlot } from '../context/async-context';
import { requestContext } from '../context/request-context';
import { childTraceparent, currentTraceparent, runInTraceContext, traceLogFields } from './trace-context';

const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('trace context helpers', () => {
  it('without an SDK (OTEL_SDK_DISABLED, tests): run the work and nothing else', async () => {
    expect(currentTraceparent()).toBeUndefined();
    expect(traceLogFields()).toEqual({});
    const seen = await runInTraceContext(parent, 'project x', async () => ({
      traceparent: currentTraceparent(),
      log: traceLogFields(),
    }));
    expect(seen).toEqual({ traceparent: undefined, log: {} });
    await expect(runInTraceContext(undefined, 'project y', async () => 42)).resolves.toBe(42);
  });

  it("childTraceparent: a new span id in the parent's trace (its flags kept), else a new unsampled trace", () => {
    const child = childTraceparent(parent);
    expect(child).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(child.split('-')[2]).not.toBe('00f067aa0ba902b7');
    expect(childTraceparent(child).split('-')[1]).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    for (const bad of [
      undefined,
      '',
      'nonsense',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
    ]) {
      const fresh = childTraceparent(bad);
      expect(fresh).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
      expect(fresh.split('-')[1]).not.toMatch(/^0+$/);
    }
    expect(childTraceparent()).not.toBe(childTraceparent());
  });

  describe('with an SDK', () => {
    // One provider for the file: the module's tracer keeps the first provider it is given.
    const exporter = new InMemorySpanExporter();
    const provider = new node.NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    beforeAll(() => provider.register({ contextManager }));
    afterEach(() => exporter.reset());
    afterAll(() => provider.shutdown());

    it('the handler span continues the stored traceparent, and failures are recorded', async () => {
      const inside = await runInTraceContext(parent, 'project task.created', async () => currentTraceparent(), {
        'event.type': 'task.created',
      });
      await expect(
        runInTraceContext(parent, 'project task.deleted', async () => Promise.reject(new Error('boom'))),
      ).rejects.toThrow('boom');
      const [ok, failed] = exporter.getFinishedSpans();
      expect(ok.name).toBe('project task.created');
      expect(ok.kind).toBe(SpanKind.CONSUMER);
      expect(ok.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(ok.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
      expect(ok.attributes).toEqual({ 'event.type': 'task.created' });
      expect(inside).toBe(`00-${ok.spanContext().traceId}-${ok.spanContext().spanId}-01`);
      expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
      expect(failed.events.map((e) => e.name)).toEqual(['exception']);
    });

    it('keeps the rest of the active context (the request context, an open transaction) inside the span', async () => {
      const transaction = contextSlot<string>('transaction');
      const seen = await requestContext.run({ requestId: 'outer', correlationId: 'outer' }, () =>
        transaction.run('tx-1', () =>
          runInTraceContext(parent, 'tasks_read task.created', async () => ({
            requestId: requestContext.current()?.requestId,
            tx: transaction.get(),
            traceparent: currentTraceparent(),
          })),
        ),
      );
      const [span] = exporter.getFinishedSpans();
      expect(seen).toEqual({
        requestId: 'outer',
        tx: 'tx-1',
        traceparent: `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`,
      });
      // Without a traceparent the span starts a new trace, even inside another span.
      const nested = await runInTraceContext(parent, 'outer', () =>
        runInTraceContext(undefined, 'inner', async () => currentTraceparent()),
      );
      expect(nested?.slice(3, 35)).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    });
  });
});
