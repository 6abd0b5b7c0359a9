import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { startTestContext, type TestContext } from '../../../../test/support/test-context';
import type { Database } from '../database/database';
import { TransactionRunner, TransactionTimeoutError } from './transaction-runner';

describe('TransactionRunner on the real PostgreSQL', () => {
  let t: TestContext;
  let runner: TransactionRunner;
  let pool: pg.Pool;
  const insertProbe = (db: Database, tag: string) =>
    sql`INSERT INTO tx_probe (id, tag) VALUES (${randomUUID()}, ${tag})`.execute(db);
  const rows = async (tag: string) =>
    Number((await pool.query('SELECT count(*) AS n FROM tx_probe WHERE tag = $1', [tag])).rows[0].n);

  beforeAll(async () => {
    t = await startTestContext();
    runner = t.app.get(TransactionRunner);
    pool = t.app.get(pg.Pool);
    await pool.query('CREATE TABLE tx_probe (id uuid PRIMARY KEY, tag text NOT NULL, n int8)');
  }, 60_000);
  afterAll(() => t.close());

  it('commits the work on one connection, nested runs join it, and after-commit callbacks run once committed', async () => {
    const tag = randomUUID();
    const seen: string[] = [];
    const result = await runner.run(async (db) => {
      await insertProbe(db, tag);
      await runner.run(async (inner) => {
        expect(inner).toBe(db);
        await insertProbe(inner, tag);
      });
      runner.afterCommit(() => seen.push('after'));
      seen.push('work');
      // Not visible outside the transaction before COMMIT.
      expect(await rows(tag)).toBe(0);
      return 'done';
    });
    expect(result).toBe('done');
    expect(seen).toEqual(['work', 'after']);
    expect(await rows(tag)).toBe(2);
  });

  it('rolls everything back when the work throws, and skips the after-commit callbacks', async () => {
    const tag = randomUUID();
    const seen: string[] = [];
    await expect(
      runner.run(async (db) => {
        await insertProbe(db, tag);
        runner.afterCommit(() => seen.push('after'));
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(seen).toEqual([]);
    expect(await rows(tag)).toBe(0);
  });

  it('returns int8 as bigint and counts affected rows', async () => {
    const tag = randomUUID();
    await runner.run(async (db) => {
      const inserted =
        await sql`INSERT INTO tx_probe (id, tag, n) VALUES (${randomUUID()}, ${tag}, 9007199254740993), (${randomUUID()}, ${tag}, 1)`.execute(
          db,
        );
      expect(inserted.numAffectedRows).toBe(2n);
      const {
        rows: [row],
      } = await sql<{ n: bigint }>`SELECT max(n) AS n FROM tx_probe WHERE tag = ${tag}`.execute(db);
      expect(row.n).toBe(9007199254740993n);
    });
  });

  it('rolls back a transaction open longer than its timeout: later statements and the commit are refused', async () => {
    const tag = randomUUID();
    let late: unknown;
    await expect(
      runner.run(
        async (db) => {
          await insertProbe(db, tag);
          await new Promise((r) => setTimeout(r, 300));
          late = await insertProbe(db, tag).catch((err: unknown) => err);
        },
        { timeoutMs: 100 },
      ),
    ).rejects.toBeInstanceOf(TransactionTimeoutError);
    expect(late).toBeInstanceOf(TransactionTimeoutError);
    expect(await rows(tag)).toBe(0);
    // The connection went back to the pool clean: the next transaction works.
    await runner.run((db) => insertProbe(db, tag));
    expect(await rows(tag)).toBe(1);
  });

  it("runs Kysely statements on the open transaction's connection, each a named prepared statement, and on the pool outside one", async () => {
    const backend = sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`;
    const tag = randomUUID();
    await runner.run(async () => {
      const {
        rows: [first],
      } = await backend.execute(runner.db);
      await sql`INSERT INTO tx_probe (id, tag, n) VALUES (${randomUUID()}, ${tag}, 9007199254740993)`.execute(
        runner.db,
      );
      // Only the transaction sees its row: the statement ran on its connection.
      const {
        rows: [seen],
      } = await sql<{ n: bigint }>`SELECT n FROM tx_probe WHERE tag = ${tag}`.execute(runner.db);
      expect(seen.n).toBe(9007199254740993n);
      expect(await rows(tag)).toBe(0);
      const query = runner.db.selectFrom('users').select('id').where('email_normalized', '=', tag);
      expect(await query.execute()).toEqual([]);
      const { rows: prepared } = await sql<{
        name: string;
      }>`SELECT name FROM pg_prepared_statements WHERE statement = ${query.compile().sql}`.execute(runner.db);
      expect(prepared).toHaveLength(1);
      expect((await backend.execute(runner.db)).rows[0].pid).toBe(first.pid);
    });
    expect(await rows(tag)).toBe(1);
    // Outside a transaction: the pool's connections, where the committed row is visible.
    const {
      rows: [committed],
    } = await sql<{ n: bigint }>`SELECT n FROM tx_probe WHERE tag = ${tag}`.execute(runner.db);
    expect(committed.n).toBe(9007199254740993n);
  });

  it("refuses Kysely's own transactions: UnitOfWork.run is the one way to open one", async () => {
    await expect(runner.db.transaction().execute(async () => undefined)).rejects.toThrow('UnitOfWork.run');
  });
});
