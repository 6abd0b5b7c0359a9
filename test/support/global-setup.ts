import pg from 'pg';
import { postgresReachable, redisReachable, services } from './services';

/** Drops suite databases left behind by runs that died (their pid is in the name). */
async function dropStaleDatabases(): Promise<void> {
  const admin = new pg.Client({ connectionString: services.postgresUrl });
  await admin.connect();
  try {
    const stale = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'tb\\_t\\_%'`,
    );
    for (const { datname } of stale.rows) {
      if (!pidAlive(Number(datname.split('_')[2])))
        await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export default async function globalSetup(): Promise<void> {
  const [pgUp, redisUp] = await Promise.all([postgresReachable(), redisReachable()]);
  const missing = [
    !pgUp && `PostgreSQL at ${services.postgresUrl}`,
    !redisUp && `Redis at ${services.redisUrl}`,
  ].filter(Boolean);
  if (missing.length && services.required) {
    throw new Error(`TEST_REQUIRE_SERVICES is set but these are unreachable: ${missing.join(', ')}`);
  }
  for (const what of missing) {
    process.stdout.write(
      `\nNOTE: ${what} is unreachable: suites fall back to the embedded database / in-process adapters, and the Redis adapter tests DID NOT RUN.\n`,
    );
  }
  if (pgUp) await dropStaleDatabases();
  process.env.TEST_PG_AVAILABLE = pgUp ? '1' : '0';
  process.env.TEST_REDIS_AVAILABLE = redisUp ? '1' : '0';
}
