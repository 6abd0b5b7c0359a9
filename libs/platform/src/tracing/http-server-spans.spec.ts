import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  type InMemorySpanExporter,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import Fastify, { type FastifyInstance } from 'fastify';
import { inMemoryTracingPerTest } from '../../../../test/support/in-memory-tracing';
import { requestContext } from '../context/request-context';
import { isQuietUrl } from '../http/quiet-urls';
import { enterRequestContext } from '../http/request-scope';
import { httpServerSpans } from './http-server-spans';

const caller = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** A Fastify server as configureHttp builds it, whose handlers report the active span and the request context's traceparent. */
async function server(): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(httpServerSpans({ registerOnInitialization: false }).plugin());
  enterRequestContext(app, isQuietUrl);
  const seen = async () => {
    await new Promise((r) => setTimeout(r, 1)); // the context must survive awaiting
    return {
      active: trace.getActiveSpan()?.spanContext().spanId ?? null,
      traceparent: requestContext.current()?.traceparent ?? null,
    };
  };
  app.get('/items/:id', () => seen());
  app.post('/items', () => seen());
  app.get('/health', () => seen());
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  await app.ready();
  return app;
}

describe('HTTP server spans (@fastify/otel)', () => {
  const tracing = inMemoryTracingPerTest();
  let exporter: InMemorySpanExporter;
  const withSdk = (sampler: Sampler) => (exporter = tracing.start(sampler));

  it('records a SERVER span named after the route template, continuing the caller, active in the handler (also after a body is parsed)', async () => {
    withSdk(new AlwaysOnSampler());
    const app = await server();
    const get = await app.inject({ url: '/items/42?x=1', headers: { traceparent: caller, 'user-agent': 'jest' } });
    const post = await app.inject({ method: 'POST', url: '/items', payload: { a: 1 } });
    const failed = await app.inject({ url: '/boom' });
    await app.close();

    const [getSpan, postSpan, failedSpan] = exporter.getFinishedSpans();
    expect(getSpan.name).toBe('GET /items/:id');
    expect(getSpan.kind).toBe(SpanKind.SERVER);
    expect(getSpan.instrumentationScope.name).toBe('@fastify/otel');
    expect(getSpan.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(getSpan.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(getSpan.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/items/:id',
      'url.path': '/items/42',
      'user_agent.original': 'jest',
      'http.response.status_code': 200,
    });
    expect(get.json()).toEqual({
      active: getSpan.spanContext().spanId,
      traceparent: `00-${getSpan.spanContext().traceId}-${getSpan.spanContext().spanId}-01`,
    });

    expect(postSpan.name).toBe('POST /items');
    expect(postSpan.parentSpanContext).toBeUndefined();
    expect(post.json().active).toBe(postSpan.spanContext().spanId);

    expect(failed.statusCode).toBe(500);
    expect(failedSpan.attributes['http.response.status_code']).toBe(500);
    expect(failedSpan.status.code).toBe(SpanStatusCode.ERROR);
    expect(exporter.getFinishedSpans()).toHaveLength(3); // one span per request: none per hook or handler
  });

  it('an unsampled request records and exports nothing, and its request context still carries its trace ids (sampled flag 0)', async () => {
    withSdk(new AlwaysOffSampler());
    const app = await server();
    const res = await app.inject({ url: '/items/1' });
    const continued = await app.inject({ url: '/items/2', headers: { traceparent: caller.replace(/01$/, '00') } });
    await app.close();
    expect(res.json().traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(continued.json().traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-00$/);
    expect(continued.json().traceparent).not.toContain('00f067aa0ba902b7');
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('skips probes and scrapes: no span, no request context', async () => {
    withSdk(new AlwaysOnSampler());
    const app = await server();
    const res = await app.inject({ url: '/health' });
    await app.close();
    expect(res.json()).toEqual({ active: null, traceparent: null });
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it("without an SDK: no span; the request context's traceparent continues the caller's trace with a span id of its own, or starts one", async () => {
    const app = await server();
    const res = await app.inject({ url: '/items/1', headers: { traceparent: caller } });
    const none = await app.inject({ url: '/items/2' });
    await app.close();
    expect(res.json()).toEqual({
      active: null,
      traceparent: expect.stringMatching(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/),
    });
    expect(res.json().traceparent).not.toContain('00f067aa0ba902b7');
    expect(none.json()).toEqual({
      active: null,
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/),
    });
  });
});
