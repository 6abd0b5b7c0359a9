import { DynamicModule, Inject, Injectable, Module } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { Logger as PinoNestLogger, LoggerModule, PARAMS_PROVIDER_TOKEN, PinoLogger, type Params } from 'nestjs-pino';
import { type DestinationStream, type Logger, pino } from 'pino';
import { requestContext } from '../context/request-context.js';
import type { AppConfig } from '../config/app-config.js';
import { requestContextOf } from '../http/request-scope.js';
import { traceLogFields } from '../tracing/trace-context.js';
import { stdoutDestination } from './stdout-destination.js';

/** Paths pino replaces with "[redacted]" in every log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  'password',
  'accessToken',
  'refreshToken',
  'token',
  '*.password',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
];

/** The application's one pino logger (injection token); every other logger derives from it. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
/** The logger of the one line per answered request (same destination and level as the root). */
export const REQUEST_LOGGER = Symbol('REQUEST_LOGGER');

/**
 * Fields every log line carries when it is written for a request or a handled event: its
 * request id, and trace_id/span_id of the active span or, when the work is not recorded (an
 * unsampled request runs without an active span), of the request context's traceparent.
 */
function contextFields(): Record<string, string> {
  const current = requestContext.current();
  const active = traceLogFields();
  const trace =
    active.trace_id || !current?.traceparent
      ? active
      : { trace_id: current.traceparent.slice(3, 35), span_id: current.traceparent.slice(36, 52) };
  return current ? { requestId: current.requestId, ...trace } : trace;
}

/** Nest's own start-up messages (a line per module, controller and route): at debug, not info. */
const NEST_BOOT_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/**
 * The logger Nest itself writes through (`app.useLogger(app.get(NestLogger))`): nestjs-pino's,
 * with Nest's boot messages moved from info to debug, so that a start logs what the service says.
 */
@Injectable()
export class NestLogger extends PinoNestLogger {
  constructor(logger: PinoLogger, @Inject(PARAMS_PROVIDER_TOKEN) params: Params) {
    super(logger, params);
  }

  override log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams.at(-1);
    if (typeof context === 'string' && NEST_BOOT_CONTEXTS.has(context)) this.debug(message, ...optionalParams);
    else super.log(message, ...optionalParams);
  }
}

/**
 * JSON lines through nestjs-pino (Nest's Logger, PinoLogger injection), without its pino-http
 * middleware (`forRoutes: []`): the one line per request is logRequests'. `destination` is for
 * tests; stdout otherwise.
 */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig, destination?: DestinationStream): DynamicModule {
    const stream =
      destination ??
      (config.log.pretty
        ? pino.transport({ target: 'pino-pretty', options: { singleLine: true } })
        : stdoutDestination());
    const root = pino(
      { level: config.log.level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, mixin: contextFields },
      stream,
    );
    // The per-request line has fixed fields and no secrets: no redaction pass, no mixin.
    const requests = pino({ level: config.log.level }, stream);
    return {
      module: LoggingModule,
      imports: [LoggerModule.forRoot({ pinoHttp: { logger: root }, forRoutes: [] })],
      providers: [
        { provide: ROOT_LOGGER, useValue: root },
        { provide: REQUEST_LOGGER, useValue: requests },
        NestLogger,
      ],
      exports: [ROOT_LOGGER, REQUEST_LOGGER, NestLogger],
    };
  }
}

/**
 * One line per request when it has been answered: method, URL, status, duration, request id,
 * trace ids. Levels say who must act: a designed degradation (503 for a dependency outage or a
 * full queue, 429 rate limited) is `warn`, any other 5xx is `error` (needs a human), the rest
 * `info`. Requests whose URL `quiet` accepts (probes, scrapes) are not logged.
 *
 * Written from Fastify's `onResponse` hook rather than pino-http's middleware, which builds a
 * child logger and binds its emitters on every request (docs/decisions/0042). `log` is a logger
 * without redaction and mixin (REQUEST_LOGGER): the line's fields are fixed and hold no secrets
 * (the two cost 7 to 9 µs per line, bench/logging; docs/decisions/0069), and the ids are read from
 * the request (an `onResponse` hook does not run in the request's async context).
 */
export function logRequests(fastify: FastifyInstance, log: Logger, quiet: (url: string) => boolean): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const level = levelOf(status);
    if (log.isLevelEnabled(level) && !quiet(request.url)) {
      const traceparent = requestContextOf(request)?.traceparent;
      log[level](
        {
          requestId: request.id,
          ...(traceparent ? { trace_id: traceparent.slice(3, 35), span_id: traceparent.slice(36, 52) } : {}),
          req: { method: request.method, url: request.url },
          res: { statusCode: status },
          responseTime: Math.round(reply.elapsedTime),
        },
        MESSAGES[level],
      );
    }
    done();
  });
}

/** 503 and 429 are answers the service gives by design (Retry-After): alerting on them pages no one usefully. */
function levelOf(status: number): 'info' | 'warn' | 'error' {
  if (status === 503 || status === 429) return 'warn';
  return status >= 500 ? 'error' : 'info';
}

const MESSAGES = { info: 'request completed', warn: 'request degraded', error: 'request errored' } as const;
