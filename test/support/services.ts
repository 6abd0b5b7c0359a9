import pg from 'pg';
import { Redis } from 'ioredis';

/**
 * Where the tests find PostgreSQL and Redis. Defaults are the local ports; with
 * TEST_REQUIRE_SERVICES=1 (CI) a missing service fails the run instead of falling back to the
 * embedded database and in-process adapters.
 */
export const services = {
  postgresUrl: process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test',
  redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  required: /^(1|true|yes)$/i.test(process.env.TEST_REQUIRE_SERVICES ?? ''),
};

export async function postgresReachable(url = services.postgresUrl): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function redisReachable(url = services.redisUrl): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** The real PostgreSQL's admin URL, or undefined when it is absent on this machine (never under TEST_REQUIRE_SERVICES). */
export function realPostgresUrl(): string | undefined {
  return process.env.TEST_PG_AVAILABLE === '1' ? services.postgresUrl : undefined;
}

/** The Redis URL for tests, or undefined when Redis is absent on this machine (never under TEST_REQUIRE_SERVICES). */
export function testRedisUrl(): string | undefined {
  return process.env.TEST_REDIS_AVAILABLE === '1' ? services.redisUrl : undefined;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** The signing secret every test app shares, so tests can mint tokens. */
export const TEST_JWT_SECRET = 'test-secret-for-the-task-backend-suite';

/**
 * The settings every test app and context starts from: silent logs, the shared JWT secret, its own
 * database (already migrated) and Redis when this machine has it.
 */
export function testBaseSettings(databaseUrl: string): Record<string, string> {
  const redisUrl = testRedisUrl();
  return {
    LOG_LEVEL: 'silent',
    JWT_SECRET: TEST_JWT_SECRET,
    DATABASE_URL: databaseUrl,
    MIGRATE_ON_START: 'false',
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  };
}
