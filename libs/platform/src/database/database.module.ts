import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { UnitOfWork } from '@app/shared-kernel';
import { AppConfig } from '../config/app-config.js';
import { createPool } from './database-pool.js';
import { MigrationService } from './migration.service.js';
import { PrismaService } from './prisma.service.js';
import { TransactionRunner } from '../transactions/transaction-runner.js';

/** The pg pool, the Prisma client on it, and the migration state. */
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
    { provide: PrismaService, inject: [pg.Pool], useFactory: (pool: pg.Pool) => new PrismaService(pool) },
    MigrationService,
    TransactionRunner,
    { provide: UnitOfWork, useExisting: TransactionRunner },
  ],
  exports: [pg.Pool, PrismaService, MigrationService, TransactionRunner, UnitOfWork],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(
    @Inject(pg.Pool) private readonly pool: pg.Pool,
    private readonly prisma: PrismaService,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect();
    await this.pool.end();
  }
}
