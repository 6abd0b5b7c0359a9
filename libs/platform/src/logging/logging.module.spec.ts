import { execFileSync, spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  type InMemorySpanExporter,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import Fastify from 'fastify';
import { trace } from '@opentelemetry/api';
import { type Logger, pino } from 'pino';
import { loadConfig } from '../config/app-config';
import { requestContext } from '../context/request-context';
import { enterRequestContext } from '../http/request-scope';
import { httpServerSpans } from '../tracing/http-server-spans';
import { inMemoryTracing, inMemoryTracingPerTest } from '../../../../test/support/in-memory-tracing';
import { Controller, Get, Logger as NestCommonLogger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { LoggingModule, logRequests, NestLogger, REDACTED_PATHS, REQUEST_LOGGER, ROOT_LOGGER } from './logging.module';

/** A stream that keeps every chunk written to it as a string. */
function capture(): { lines: string[]; sink: Writable } {
  const lines: string[] = [];
  return { lines, sink: new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }) };
}

describe('log redaction', () => {
  it('never writes passwords, tokens, authorization headers or cookies', () => {
    const { lines, sink } = capture();
    const log = pino({ redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    log.info(
      {
        password: 'p4ss',
        token: 't0k',
        body: { password: 'p4ss2', refreshToken: 'r3f' },
        accessToken: 'a',
        req: { headers: { authorization: 'Bearer s3cret', cookie: 'sid=c00kie', 'idempotency-key': 'k' } },
      },
      'x',
    );
    const out = lines.join('');
    for (const secret of ['p4ss', 't0k', 'p4ss2', 'r3f', 's3cret', 'c00kie']) expect(out).not.toContain(secret);
    expect(JSON.parse(out).body.password).toBe('[redacted]');
  });
});

/** One of the application's loggers (ROOT_LOGGER: redaction, mixin; REQUEST_LOGGER) writing to `sink`. */
function moduleLogger(token: symbol, sink: Writable): Logger {
  const module = LoggingModule.forRoot(
    loadConfig({ LOG_LEVEL: 'info', JWT_SECRET: 'logging-spec-secret-0123456789abcdef' }),
    sink,
  );
  return (module.providers as { provide: unknown; useValue: Logger }[]).find((p) => p.provide === token)!.useValue;
}
const rootLogger = (sink: Writable) => moduleLogger(ROOT_LOGGER, sink);
const requestLogger = (sink: Writable) => moduleLogger(REQUEST_LOGGER, sink);

describe('request log line', () => {
  const tracing = inMemoryTracingPerTest();
  let exporter: InMemorySpanExporter;
  const withSdk = (sampler: Sampler) => (exporter = tracing.start(sampler));

  /** A server as configureHttp builds it (server spans, request context, request lines), with a few routes. */
  async function serve(ids: string[]) {
    const { lines, sink } = capture();
    let n = 0;
    const app = Fastify({ genReqId: () => ids[n++ % ids.length] });
    await app.register(httpServerSpans({ registerOnInitialization: false }).plugin());
    enterRequestContext(app, (url) => url.startsWith('/health'));
    logRequests(app, requestLogger(sink), (url) => url.startsWith('/health'));
    app.get('/items/:id', async () => ({ ok: true }));
    app.get('/boom', async () => {
      throw new Error('boom');
    });
    app.get('/health', async () => ({ status: 'ok' }));
    app.get('/down', async (_req, reply) => reply.status(503).send({}));
    app.get('/limited', async (_req, reply) => reply.status(429).send({}));
    app.get('/missing', async (_req, reply) => reply.status(404).send({}));
    return {
      app,
      lines: () =>
        lines
          .join('')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l)),
    };
  }

  it('writes one line per answered request with its id, method, URL, status, duration and trace ids; 503 and 429 (designed degradations) at warn, other 5xx at error level; probes not at all', async () => {
    withSdk(new AlwaysOffSampler()); // nothing sampled: lines still carry the trace ids
    const { app, lines } = await serve(['req-1', 'req-2', 'req-3', 'req-4', 'req-5', 'req-6']);
    for (const url of ['/items/7?x=1', '/boom', '/health', '/down', '/limited', '/missing']) await app.inject({ url });
    await app.close();

    const [ok, failed, down, limited, missing, ...rest] = lines();
    expect(rest).toEqual([]);
    expect(ok).toMatchObject({
      level: 30,
      msg: 'request completed',
      requestId: 'req-1',
      req: { method: 'GET', url: '/items/7?x=1' },
      res: { statusCode: 200 },
    });
    expect(ok.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(ok.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(typeof ok.responseTime).toBe('number');
    expect(failed).toMatchObject({ level: 50, msg: 'request errored', requestId: 'req-2', res: { statusCode: 500 } });
    expect(down).toMatchObject({ level: 40, msg: 'request degraded', res: { statusCode: 503 } });
    expect(limited).toMatchObject({ level: 40, msg: 'request degraded', res: { statusCode: 429 } });
    expect(missing).toMatchObject({ level: 30, msg: 'request completed', res: { statusCode: 404 } });
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it("carries the trace ids of the request's server span, which continues the caller's trace", async () => {
    withSdk(new AlwaysOnSampler());
    const { app, lines } = await serve(['req-1']);
    await app.inject({
      url: '/items/7',
      headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    });
    await app.close();
    const [span] = exporter.getFinishedSpans();
    const [line] = lines();
    expect(line).toMatchObject({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: span.spanContext().spanId });
    expect(span.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  });

  it('writes request ids and URLs that hold quotes, backslashes, tabs or emoji as valid JSON', async () => {
    const ids = ['quo"te\\back', 'tab\there', 'ünï-😀'];
    const { app, lines } = await serve(ids);
    const urls = ['/a%22b?c=%5C', '/caf%C3%A9?q="x"&r=\\', '/ünï?😀=1'];
    for (const url of urls) await app.inject({ url });
    await app.close();
    const got = lines();
    expect(got.map((l) => l.requestId)).toEqual(ids);
    expect(got[1].req.url).toBe('/caf%C3%A9?q=%22x%22&r=\\');
  });
});

describe('log lines written inside a request', () => {
  it('carry the request id and the trace ids of the request context when no span is active (an unsampled request)', async () => {
    const { lines, sink } = capture();
    const root = rootLogger(sink);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00';
    requestContext.run({ requestId: 'req-9', correlationId: 'req-9', traceparent }, () =>
      root.info({ password: 'hunter2' }, 'inside'),
    );
    root.info('outside');
    const [inside, outside] = lines.map((l) => JSON.parse(l));
    expect(inside).toMatchObject({
      msg: 'inside',
      requestId: 'req-9',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      password: '[redacted]',
    });
    expect(outside.requestId).toBeUndefined();
    expect(outside.trace_id).toBeUndefined();
  });

  it("carry the request id and the server span's trace ids in a handler, a sampled request's and an unsampled one's, after a body too", async () => {
    const { lines, sink } = capture();
    const root = rootLogger(sink);
    for (const sampler of [new AlwaysOnSampler(), new AlwaysOffSampler()]) {
      const tracing = inMemoryTracing(sampler);
      try {
        const app = Fastify({ genReqId: () => 'req-h' });
        await app.register(httpServerSpans({ registerOnInitialization: false }).plugin());
        enterRequestContext(app, () => false);
        app.post('/work', async () => {
          await new Promise((r) => setTimeout(r, 1));
          root.info('handling');
          return trace.getActiveSpan()?.spanContext() ?? null;
        });
        const ids = (await app.inject({ method: 'POST', url: '/work', payload: { a: 1 } })).json<{
          traceId: string;
          spanId: string;
        }>();
        await app.close();
        const line = JSON.parse(lines.pop()!);
        expect(line).toMatchObject({ msg: 'handling', requestId: 'req-h', trace_id: ids.traceId, span_id: ids.spanId });
      } finally {
        await tracing.stop();
      }
    }
  });
});

describe("Nest's own messages", () => {
  @Controller('things')
  class ThingsController {
    @Get()
    list() {
      return [];
    }
  }

  async function boot(level: string): Promise<{ level: number; context?: string; msg: string }[]> {
    const { lines, sink } = capture();
    @Module({
      imports: [LoggingModule.forRoot(loadConfig({ LOG_LEVEL: level }), sink)],
      controllers: [ThingsController],
    })
    class BootModule {}
    const app = await NestFactory.create(BootModule, new FastifyAdapter(), { bufferLogs: true });
    app.useLogger(app.get(NestLogger));
    await app.init();
    new NestCommonLogger('Tasks').log('a message of the service');
    await app.close();
    return lines
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  }

  // One boot per test file: nestjs-pino keeps the first LoggerModule's pino instance in a static.
  it("writes the boot lines (modules, controllers, routes) at debug, and the service's own messages at info", async () => {
    const lines = await boot('debug');
    const bootLines = lines.filter((l) =>
      ['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication'].includes(l.context!),
    );
    expect(bootLines).toContainEqual(
      expect.objectContaining({ context: 'RouterExplorer', msg: expect.stringContaining('/things') }),
    );
    expect(bootLines).toContainEqual(expect.objectContaining({ context: 'InstanceLoader' }));
    expect(new Set(bootLines.map((l) => l.level))).toEqual(new Set([20]));
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 30, context: 'Tasks', msg: 'a message of the service' }),
    );
  });
});

describe('stdout destination', () => {
  it('writes the gathered lines when the process exits, process.exit included, in the order they were logged by every logger', () => {
    const script = [
      "import { pino } from 'pino';",
      "import { stdoutDestination } from './libs/platform/src/logging/stdout-destination.ts';",
      'const early = pino({ base: null, timestamp: false }, stdoutDestination());',
      'const late = pino({ base: null, timestamp: false }, stdoutDestination());',
      "early.info('first'); late.info('second'); early.info('third');",
      'process.exit(0);',
    ].join('\n');
    const out = execFileSync(
      process.execPath,
      ['--import', './test/support/ts-register.mjs', '--input-type=module', '-e', script],
      { cwd: process.cwd(), encoding: 'utf8' },
    );
    expect(
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).msg),
    ).toEqual(['first', 'second', 'third']);
  }, 60_000);

  it('writes a lone line within the flush interval, while the process keeps running', async () => {
    const script = [
      "import { pino } from 'pino';",
      "import { stdoutDestination } from './libs/platform/src/logging/stdout-destination.ts';",
      "pino({ base: null, timestamp: false }, stdoutDestination()).info('lonely');",
      'setInterval(() => undefined, 1000);',
    ].join('\n');
    const child = spawn(
      process.execPath,
      ['--import', './test/support/ts-register.mjs', '--input-type=module', '-e', script],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      // Killed with SIGKILL once the line is out, so no exit handler can have written it: the timer did.
      const first = await new Promise<string>((resolve, reject) => {
        child.stdout.once('data', (chunk) => resolve(String(chunk)));
        child.once('exit', (code) => reject(new Error(`exited with ${code} before writing`)));
      });
      expect(JSON.parse(first).msg).toBe('lonely');
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
