import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { AppConfig } from '../config/app-config.js';

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

const QUIET_PATHS = new Set(['/health', '/ready', '/metrics']);

/**
 * JSON lines through nestjs-pino; each request's lines carry its X-Request-Id. Probe and
 * scrape requests are not logged. `destination` is for tests; stdout otherwise.
 */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig, destination?: DestinationStream): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          // One middleware for every path (the default adds prefix-excluded paths a second time).
          forRoutes: [{ path: '{/*splat}', method: RequestMethod.ALL }, ...['health', 'ready', 'metrics', 'docs', 'docs-json'].map((path) => ({ path, method: RequestMethod.ALL }))],
          pinoHttp: [
            {
              level: config.log.level,
              genReqId: (req: IncomingMessage) => (req as unknown as { id: string }).id,
              redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
              customProps: (req: IncomingMessage) => ({ requestId: (req as unknown as { id: string }).id }),
              serializers: {
                req: (req: { id: string; method: string; url: string }) => ({ method: req.method, url: req.url }),
                res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
              },
              transport: config.log.pretty ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
              autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.has(((req as { originalUrl?: string }).originalUrl ?? req.url ?? '').split('?')[0]) },
            },
            destination as DestinationStream,
          ],
        }),
      ],
    };
  }
}
