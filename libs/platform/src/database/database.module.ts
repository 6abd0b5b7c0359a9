import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { UnitOfWork } from '@app/shared-kernel';
import { AppConfig } from '../config/app-config.js';
import { createPool } from './database-pool.js';
import { MigrationService } from './migration.service.js';
import { TransactionRunner } from '../transactions/transaction-runner.js';

/** The pg pool, the transaction runner (and the Kysely instance on it), and the migration state. */
@Global()
@Module({
  providers: [
    {
      provide: pg.Pool,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const logger = new Logger('Database');
        return createPool(config, { warn: (obj, msg) => logger.warn(obj, msg) });
      },
    },
    MigrationService,
    TransactionRunner,
    { provide: UnitOfWork, useExisting: TransactionRunner },
  ],
  exports: [pg.Pool, MigrationService, TransactionRunner, UnitOfWork],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(pg.Pool) private readonly pool: pg.Pool) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
