import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';

/**
 * The shared Redis connection, or `null` when REDIS_URL is unset (in-process adapters then
 * stand in). Commands fail fast instead of queueing while disconnected: ioredis's default
 * offline queue and 20 retries would hold a request for about a minute. Reconnection keeps
 * going in the background, capped at 2 s between attempts.
 */
export const REDIS = Symbol('REDIS');
export type RedisConnection = Redis | null;

export function createRedis(config: AppConfig, logger = new Logger('Redis')): Redis {
  const { url, commandTimeoutMs, connectTimeoutMs } = config.redis;
  if (!url) throw new Error('REDIS_URL is not set');
  const client = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: connectTimeoutMs,
    retryStrategy: (times) => Math.min(times * 100, 2_000),
  });
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) logger.warn({ err: { message: err.message } }, 'redis unavailable');
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.log('redis available again');
    down = false;
  });
  return client;
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [AppConfig],
      useFactory: (config: AppConfig): RedisConnection => (config.redis.url ? createRedis(config) : null),
    },
  ],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: RedisConnection) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis && this.redis.status !== 'end') await this.redis.quit().catch(() => this.redis?.disconnect());
  }
}
