import { DynamicModule, Module } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { LoggerModule } from 'nestjs-pino';
import { type DestinationStream, type Logger, pino } from 'pino';
import { requestContext } from '../context/request-context.js';
import type { AppConfig } from '../config/app-config.js';
import { requestTraceFields } from '../tracing/http-spans.js';
import { traceLogFields } from '../tracing/trace-context.js';
import { stdoutDestination } from './chunked-destination.js';

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
  const trace = active.trace_id || !current?.traceparent ? active : { trace_id: current.traceparent.slice(3, 35), span_id: current.traceparent.slice(36, 52) };
  return current ? { requestId: current.requestId, ...trace } : trace;
}

/**
 * JSON lines through nestjs-pino (Nest's Logger, PinoLogger injection). The one line per request
 * ("request completed") is written by configureHttp's onResponse hook (logRequests), not by
 * pino-http's middleware, which would build a child logger and bind its emitters on every
 * request (docs/decisions/0042). `destination` is for tests; stdout otherwise.
 */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig, destination?: DestinationStream): DynamicModule {
    const stream = destination ?? (config.log.pretty ? pino.transport({ target: 'pino-pretty', options: { singleLine: true } }) : stdoutDestination());
    const root = pino({ level: config.log.level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, mixin: contextFields }, stream);
    // The per-request line has fixed fields and no secrets: no redaction pass, no mixin.
    const requests = pino({ level: config.log.level }, stream);
    return {
      module: LoggingModule,
      imports: [LoggerModule.forRoot({ pinoHttp: { logger: root }, forRoutes: [] })],
      providers: [
        { provide: ROOT_LOGGER, useValue: root },
        { provide: REQUEST_LOGGER, useValue: requests },
      ],
      exports: [ROOT_LOGGER, REQUEST_LOGGER],
    };
  }
}

/**
 * One line per request when it has been answered: method, URL, status, duration, request id,
 * trace ids; 5xx at error level. Requests whose URL `quiet` accepts (probes, scrapes) are not logged.
 */
export function logRequests(fastify: FastifyInstance, log: Logger, quiet: (url: string) => boolean): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const level = status >= 500 ? 'error' : 'info';
    if (log.isLevelEnabled(level) && !quiet(request.url)) {
      log[level](
        { requestId: request.id, ...requestTraceFields(request), req: { method: request.method, url: request.url }, res: { statusCode: status }, responseTime: Math.round(reply.elapsedTime) },
        status >= 500 ? 'request errored' : 'request completed',
      );
    }
    done();
  });
}
