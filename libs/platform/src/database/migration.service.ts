import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { AppConfig } from '../config/app-config.js';
import { migrateDatabase, pendingMigrations } from './migrations.js';

/**
 * Tracks whether the schema is current. With MIGRATE_ON_START it applies pending migrations in
 * the background, retrying while the database is unreachable, so the process starts (and
 * answers liveness) before the database does. One attempt at a time per process; across
 * processes the schema engine's advisory lock serialises them.
 */
@Injectable()
export class MigrationService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MigrationService.name);
  private current = false;
  private checking: Promise<boolean> | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: AppConfig,
    @Inject(pg.Pool) private readonly pool: pg.Pool,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.database.migrateOnStart) void this.migrateUntilDone();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Resolves when the first successful migration run (or check) has finished. */
  migrateUntilDone(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  /** True once the schema is known to be current, without asking the database. */
  get known(): boolean {
    return this.current;
  }

  /** True once every shipped migration is recorded as applied. Cached once true; concurrent callers share one check. */
  async isCurrent(): Promise<boolean> {
    if (this.current) return true;
    this.checking ??= this.check();
    return this.checking;
  }

  private async check(): Promise<boolean> {
    try {
      this.current = (await pendingMigrations(this.pool)).length === 0;
      return this.current;
    } finally {
      this.checking = undefined;
    }
  }

  private async loop(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        if (await this.isCurrent()) return;
        const applied = await migrateDatabase(this.config.database.url!);
        this.logger.log({ applied }, applied.length ? `applied ${applied.length} migration(s)` : 'schema is current');
        this.current = true;
        return;
      } catch (err) {
        const delay = Math.min(250 * 2 ** attempt, 5_000);
        this.logger.warn(
          { err: { message: (err as Error).message } },
          `migrations not applied yet; retrying in ${delay} ms`,
        );
        await new Promise<void>((resolve) => (this.timer = setTimeout(resolve, delay)));
      }
    }
  }
}
