import { Global, Inject, Logger, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { REDIS, type RedisConnection } from '../redis/redis.module.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { IdempotencyRecords } from './idempotency-records.js';
import { IdempotencyStore } from './idempotency-store.js';
import { MemoryIdempotencyStore } from './memory-idempotency-store.js';
import { RedisIdempotencyStore } from './redis-idempotency-store.js';

const PURGE_EVERY_MS = 10 * 60_000;

/**
 * Idempotency-Key for every POST and PATCH of the API: each such route declares `@Idempotent()`
 * (IdempotencyInterceptor). The store is Redis
 * when REDIS_URL is set, else in-process (single-instance mode). Expired database records are
 * purged every 10 minutes.
 */
@Global()
@Module({
  providers: [
    {
      provide: IdempotencyStore,
      inject: [REDIS, AppConfig],
      useFactory: (redis: RedisConnection, config: AppConfig): IdempotencyStore =>
        redis ? new RedisIdempotencyStore(redis, config.idempotency.redisPrefix) : new MemoryIdempotencyStore(),
    },
    IdempotencyRecords,
    IdempotencyInterceptor,
  ],
  exports: [IdempotencyStore, IdempotencyRecords, IdempotencyInterceptor],
})
export class IdempotencyModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Idempotency');
  private purger?: NodeJS.Timeout;

  constructor(
    @Inject(IdempotencyStore) private readonly store: IdempotencyStore,
    private readonly records: IdempotencyRecords,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.logger.log({ store: this.store.backend, ttlSeconds: this.config.idempotency.ttlSeconds }, 'idempotency keys');
    this.purger = setInterval(() => {
      this.records.purgeExpired(this.config.idempotency.ttlSeconds).catch(() => undefined);
    }, PURGE_EVERY_MS);
    this.purger.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.purger);
    await this.records.flush();
    if (this.store instanceof MemoryIdempotencyStore) this.store.close();
  }
}
