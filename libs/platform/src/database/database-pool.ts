import pg from 'pg';
import type { AppConfig } from '../config/app-config.js';

export interface PoolLogger {
  warn(obj: object, msg: string): void;
}

/**
 * The one pg pool of the process. Errors of idle or checked-out connections (the database
 * restarting, a network cut) are logged and the connection is dropped; they never reach
 * `process.on('uncaughtException')`. A full pool fails after the acquire timeout instead of
 * waiting forever.
 */
export function createPool(config: AppConfig, logger: PoolLogger): pg.Pool {
  const { url, poolMax, acquireTimeoutMs, statementTimeoutMs } = config.database;
  if (!url) throw new Error('database URL is not set');
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    connectionTimeoutMillis: acquireTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: statementTimeoutMs || undefined,
    application_name: 'task-backend',
  });
  const onError = (err: Error) =>
    logger.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'database connection error');
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  return pool;
}
