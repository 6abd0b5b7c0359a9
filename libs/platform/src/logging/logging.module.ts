import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config.js';
import { traceLogFields } from '../tracing/trace-context.js';

/** Paths pino replaces with "[redacted]" in every log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
  'password',
  'accessToken',
  'refreshToken',
  'token',
];

/** JSON lines through nestjs-pino; each request's lines carry its X-Request-Id. */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.log.level,
            genReqId: (req) => (req as unknown as { id: string }).id,
            redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
            // trace_id/span_id of the active span (none unless tracing is on or a traceparent came in).
            mixin: traceLogFields,
            customProps: (req) => ({ requestId: (req as unknown as { id: string }).id }),
            serializers: {
              req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
              // Status only: the response headers (helmet's dozen) would triple every line's size.
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
            transport: config.log.pretty ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
            autoLogging: { ignore: (req) => ['/health', '/ready', '/metrics'].includes(req.url ?? '') },
          },
        }),
      ],
    };
  }
}
