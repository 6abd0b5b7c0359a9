import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { node } from '@opentelemetry/sdk-node';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import Fastify, { type FastifyInstance } from 'fastify';
import { connect } from 'node:net';
import { contextManager } from '../context/async-context';
import { HTTP_TRACER_NAME, requestTraceparent, traceHttpServer } from './http-spans';

const caller = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** A Fastify server with the hooks, whose handlers report the active span and the request's traceparent. */
async function server(): Promise<FastifyInstance> {
  const app = Fastify();
  traceHttpServer(app, { ignore: (url) => url.startsWith('/health') });
  const seen = async (request: Parameters<typeof requestTraceparent>[0]) => {
    await new Promise((r) => setTimeout(r, 1)); // the context must survive awaiting
    return {
      active: trace.getActiveSpan()?.spanContext().spanId ?? null,
      traceparent: requestTraceparent(request) ?? null,
    };
  };
  app.get('/items/:id', (request) => seen(request));
  app.post('/items', (request) => seen(request));
  app.get('/health', (request) => seen(request));
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  app.get('/slow', async () => {
    await new Promise((r) => setTimeout(r, 300));
    return { late: true };
  });
  app.get('/listeners', (request, reply) => ({
    request: request.raw.listenerCount('close'),
    reply: reply.raw.listenerCount('close'),
  }));
  await app.ready();
  return app;
}

describe('HTTP server spans from Fastify hooks', () => {
  let provider: InstanceType<typeof node.NodeTracerProvider>;
  let exporter: InMemorySpanExporter;
  const withSdk = (sampler: Sampler) => {
    trace.disable();
    context.disable();
    exporter = new InMemorySpanExporter();
    provider = new node.NodeTracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider.register({ contextManager });
  };
  afterEach(async () => {
    await provider?.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  });

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
    expect(getSpan.instrumentationScope.name).toBe(HTTP_TRACER_NAME);
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
    expect(post.json().active).toBe(postSpan.spanContext().spanId);

    expect(failed.statusCode).toBe(500);
    expect(failedSpan.attributes['http.response.status_code']).toBe(500);
    expect(failedSpan.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('an unsampled request gets trace ids (sampled flag 0) but no active span and no exported span', async () => {
    withSdk(new AlwaysOffSampler());
    const app = await server();
    const res = await app.inject({ url: '/items/1' });
    await app.close();
    const body = res.json();
    expect(body.active).toBeNull();
    expect(body.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('skips ignored paths (probes)', async () => {
    withSdk(new AlwaysOnSampler());
    const app = await server();
    const res = await app.inject({ url: '/health' });
    await app.close();
    expect(res.json()).toEqual({ active: null, traceparent: null });
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it("without an SDK: no span and no traceparent of its own (configureHttp then keeps the caller's header)", async () => {
    const app = await server();
    const res = await app.inject({ url: '/items/1', headers: { traceparent: caller } });
    const none = await app.inject({ url: '/items/2' });
    await app.close();
    expect(res.json()).toEqual({ active: null, traceparent: null });
    expect(none.json()).toEqual({ active: null, traceparent: null });
  });

  it('ends a recorded span with an error when the client goes away before the answer', async () => {
    withSdk(new AlwaysOnSampler());
    const app = await server();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const socket = connect(port, '127.0.0.1');
    socket.write('GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    await new Promise((r) => setTimeout(r, 400)); // the handler finishes after the client left
    const answered = await app.inject({ url: '/items/7' });
    await app.close();

    expect(answered.statusCode).toBe(200);
    const [abortedSpan, answeredSpan] = exporter.getFinishedSpans();
    expect(abortedSpan.name).toBe('GET /slow');
    expect(abortedSpan.status).toEqual({ code: SpanStatusCode.ERROR, message: 'client aborted the request' });
    expect(answeredSpan.name).toBe('GET /items/:id');
    expect(answeredSpan.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('an unsampled request adds no listener to the request or the response', async () => {
    const plain = Fastify();
    plain.get('/listeners', (request, reply) => ({
      request: request.raw.listenerCount('close'),
      reply: reply.raw.listenerCount('close'),
    }));
    const untraced = (await plain.inject({ url: '/listeners' })).json();
    await plain.close();
    withSdk(new AlwaysOffSampler());
    const app = await server();
    const unsampled = (await app.inject({ url: '/listeners' })).json();
    await app.close();
    withSdk(new AlwaysOnSampler());
    const sampledApp = await server();
    const sampled = (await sampledApp.inject({ url: '/listeners' })).json();
    await sampledApp.close();

    expect(unsampled).toEqual(untraced);
    expect(sampled.reply).toBe(untraced.reply + 1);
  });
});
