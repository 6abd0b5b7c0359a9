import pg from 'pg';
import { realPostgresUrl, services } from '../../../../test/support/services';
import { isDatabaseUnavailable } from './database-errors';

// What node-postgres throws when the server goes away under a connection, taken from a real
// server: each must read as "the database is unavailable" (a 503 with Retry-After), never a 500.
const url = realPostgresUrl();
if (!url && services.required) throw new Error('TEST_REQUIRE_SERVICES is set but PostgreSQL is unreachable');

(url ? describe : describe.skip)('isDatabaseUnavailable, on errors from a real server', () => {
  const admin = new pg.Client({ connectionString: url });
  beforeAll(() => admin.connect());
  afterAll(() => admin.end());

  async function connected(): Promise<{ client: pg.Client; pid: number; lost: Promise<Error> }> {
    const client = new pg.Client({ connectionString: url });
    const lost = new Promise<Error>((resolve) => client.on('error', resolve));
    await client.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return { client, pid: rows[0].pid, lost };
  }

  it('a statement cut by the server ending the connection', async () => {
    const { client, pid } = await connected();
    const running = client.query('SELECT pg_sleep(30)').catch((err: Error) => err);
    await new Promise((r) => setTimeout(r, 100));
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    const err = await running;
    expect(err).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(err)).toBe(true);
    await client.end().catch(() => undefined);
  });

  it('a statement sent after the connection was lost between two statements (a transaction cut by a restart)', async () => {
    const { client, pid, lost } = await connected();
    await client.query('BEGIN');
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await lost;
    const err = await client.query('SELECT 1').catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/not queryable/);
    expect(isDatabaseUnavailable(err)).toBe(true);
    await client.end().catch(() => undefined);
  });

  it('a statement on a closed client', async () => {
    const { client } = await connected();
    await client.end();
    const err = await client.query('SELECT 1').catch((e: Error) => e);
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it('not a constraint violation or a syntax error', async () => {
    const err = await admin.query('SELEC 1').catch((e: Error) => e);
    expect(isDatabaseUnavailable(err)).toBe(false);
  });
});
