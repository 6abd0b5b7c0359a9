import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { context, propagation, trace } from '@opentelemetry/api';
import { node } from '@opentelemetry/sdk-node';
import { AlwaysOffSampler } from '@opentelemetry/sdk-trace-base';
import Fastify from 'fastify';
import { type Logger, pino } from 'pino';
import { loadConfig } from '../config/app-config';
import { requestContext } from '../context/request-context';
import { traceHttpServer } from '../tracing/http-spans';
import { CHUNK_CHARS, ChunkedDestination, FLUSH_INTERVAL_MS } from './chunked-destination';
import { Controller, Get, Logger as NestCommonLogger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { jsonString, LoggingModule, logRequests, NestLogger, REDACTED_PATHS, ROOT_LOGGER } from './logging.module';

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

describe('request log line', () => {
  // A registered tracer provider that samples nothing: requests still get trace ids.
  let provider: node.NodeTracerProvider;
  beforeEach(() => {
    provider = new node.NodeTracerProvider({ sampler: new AlwaysOffSampler() });
    provider.register();
  });
  afterEach(async () => {
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('writes one line per answered request with its id, trace ids (sampled or not), status and duration; 503 and 429 (designed degradations) at warn, other 5xx at error level; probes not at all', async () => {
    const { lines, sink } = capture();
    const app = Fastify({ genReqId: () => 'req-1' });
    traceHttpServer(app, { ignore: () => false });
    logRequests(app, pino({ level: 'info' }, sink), (url) => url.startsWith('/health'));
    app.get('/items/:id', async () => ({ ok: true }));
    app.get('/boom', async () => {
      throw new Error('boom');
    });
    app.get('/health', async () => ({ status: 'ok' }));
    app.get('/down', async (_req, reply) => reply.status(503).send({}));
    app.get('/limited', async (_req, reply) => reply.status(429).send({}));
    await app.inject({ url: '/items/7?x=1' });
    await app.inject({ url: '/boom' });
    await app.inject({ url: '/health' });
    await app.inject({ url: '/down' });
    await app.inject({ url: '/limited' });
    await app.close();

    const [ok, failed, down, limited, ...rest] = lines.map((l) => JSON.parse(l));
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
    expect(failed).toMatchObject({ level: 50, msg: 'request errored', res: { statusCode: 500 } });
    expect(down).toMatchObject({ level: 40, msg: 'request degraded', res: { statusCode: 503 } });
    expect(limited).toMatchObject({ level: 40, msg: 'request degraded', res: { statusCode: 429 } });
  });

  it('is the JSON pino itself writes for the same fields, whatever the request id and URL hold', async () => {
    const { lines: ours, sink } = capture();
    const ids = ['plain-1', 'quo"te\\back', 'tab\there', 'ünï-😀'];
    let n = 0;
    const app = Fastify({ genReqId: () => ids[n++] });
    traceHttpServer(app, { ignore: () => false });
    logRequests(app, pino({ level: 'info' }, sink), () => false);
    app.get('/*', async () => ({ ok: true }));
    const urls = ['/items/7?x=1', '/a%22b?c=%5C', '/caf%C3%A9?q="x"&r=\\', '/ünï?😀=1'];
    for (const url of urls) await app.inject({ url });
    await app.close();

    const { lines: theirs, sink: referenceSink } = capture();
    const reference = pino({ level: 'info' }, referenceSink);
    ours.forEach((line, i) => {
      const got = JSON.parse(line);
      reference.info(
        {
          requestId: got.requestId,
          trace_id: got.trace_id,
          span_id: got.span_id,
          req: { method: 'GET', url: got.req.url },
          res: { statusCode: 200 },
          responseTime: got.responseTime,
        },
        'request completed',
      );
      expect(line).toBe(theirs[i].replace(/"time":\d+/, `"time":${got.time}`));
      expect(got.requestId).toBe(ids[i]);
    });
    expect(JSON.parse(ours[2]).req.url).toBe('/caf%C3%A9?q=%22x%22&r=\\'); // a backslash, escaped and read back (the ids above hold quotes, tabs, emoji)
  });

  it('escapes strings as JSON.stringify does, every ASCII character and beyond', () => {
    const samples = [
      '',
      'plain-1',
      '/api/v1/tasks/7?status=pending',
      ...Array.from({ length: 128 }, (_, c) => `a${String.fromCharCode(c)}b`),
      'é',
      '😀',
      '\u2028',
      '\ud800',
    ];
    for (const text of samples) expect(jsonString(text)).toBe(JSON.stringify(text));
  });
});

describe('log lines written inside a request', () => {
  it('carry the request id and the trace ids of the request context when no span is active (an unsampled request)', async () => {
    const { lines, sink } = capture();
    const module = LoggingModule.forRoot(
      loadConfig({ LOG_LEVEL: 'info', JWT_SECRET: 'logging-spec-secret-0123456789abcdef' }),
      sink,
    );
    const root = (module.providers as { provide: unknown; useValue: Logger }[]).find(
      (p) => p.provide === ROOT_LOGGER,
    )!.useValue;
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

describe('chunked log destination', () => {
  const tempFile = async () => path.join(await mkdtemp(path.join(tmpdir(), 'tb-log-')), 'out.log');
  const line = (i: number) => `${JSON.stringify({ i, msg: 'x'.repeat(200) })}\n`;

  it('writes a chunk once about 4 KiB have gathered, and a lone line within the flush interval', async () => {
    const file = await tempFile();
    const destination = ChunkedDestination.to(file);
    for (let i = 0; i < 20; i++) destination.write(line(i)); // about 4.4 K characters
    const first = readFileSync(file, 'utf8');
    expect(first.length).toBeGreaterThanOrEqual(CHUNK_CHARS);
    expect(first).toBe(Array.from({ length: first.split('\n').length - 1 }, (_, i) => line(i)).join(''));

    pino({ level: 'info' }, destination).info('lonely line');
    expect(readFileSync(file, 'utf8')).not.toContain('lonely line'); // still gathered
    await new Promise((r) => setTimeout(r, FLUSH_INTERVAL_MS + 200));
    const all = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(all.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => line(i).trimEnd()));
    expect(JSON.parse(all[20]).msg).toBe('lonely line');
    destination.end();
  });

  it('after end, writes nothing more and its timer stays harmless', async () => {
    const file = await tempFile();
    const destination = ChunkedDestination.to(file);
    destination.write(line(1));
    destination.end();
    destination.write(line(2));
    await new Promise((r) => setTimeout(r, FLUSH_INTERVAL_MS + 200));
    expect(readFileSync(file, 'utf8')).toBe(line(1));
  });

  it('writes the gathered lines when the process exits, process.exit included, in the order they were logged', () => {
    const script = [
      "import { pino } from 'pino';",
      "import { stdoutDestination } from './libs/platform/src/logging/chunked-destination.ts';",
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
  });
});
