import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startTestContext, type TestContext } from '../../../../test/support/test-context';
import { TransactionRunner, TransactionTimeoutError } from './transaction-runner';

describe('TransactionRunner on the real PostgreSQL', () => {
  let t: TestContext;
  let runner: TransactionRunner;
  let pool: pg.Pool;
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
    const result = await runner.run(async (tx) => {
      await tx.execute('INSERT INTO tx_probe (id, tag) VALUES ($1, $2)', randomUUID(), tag);
      await runner.run(async (inner) => {
        expect(inner).toBe(tx);
        await inner.execute('INSERT INTO tx_probe (id, tag) VALUES ($1, $2)', randomUUID(), tag);
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
      runner.run(async (tx) => {
        await tx.execute('INSERT INTO tx_probe (id, tag) VALUES ($1, $2)', randomUUID(), tag);
        runner.afterCommit(() => seen.push('after'));
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(seen).toEqual([]);
    expect(await rows(tag)).toBe(0);
  });

  it('returns int8 as bigint and counts affected rows', async () => {
    const tag = randomUUID();
    await runner.run(async (tx) => {
      expect(
        await tx.execute(
          'INSERT INTO tx_probe (id, tag, n) VALUES ($1, $2, 9007199254740993), ($3, $2, 1)',
          randomUUID(),
          tag,
          randomUUID(),
        ),
      ).toBe(2);
      const [row] = await tx.query<{ n: bigint }[]>('SELECT max(n) AS n FROM tx_probe WHERE tag = $1', tag);
      expect(row.n).toBe(9007199254740993n);
    });
  });

  it('rolls back a transaction open longer than its timeout: later statements and the commit are refused', async () => {
    const tag = randomUUID();
    let late: unknown;
    await expect(
      runner.run(
        async (tx) => {
          await tx.execute('INSERT INTO tx_probe (id, tag) VALUES ($1, $2)', randomUUID(), tag);
          await new Promise((r) => setTimeout(r, 300));
          late = await tx
            .execute('INSERT INTO tx_probe (id, tag) VALUES ($1, $2)', randomUUID(), tag)
            .catch((err: unknown) => err);
        },
        { timeoutMs: 100 },
      ),
    ).rejects.toBeInstanceOf(TransactionTimeoutError);
    expect(late).toBeInstanceOf(TransactionTimeoutError);
    expect(await rows(tag)).toBe(0);
    // The connection went back to the pool clean: the next transaction works.
    await runner.run((tx) => tx.execute('INSERT INTO tx_probe (id, tag) VALUES ($1, $2)', randomUUID(), tag));
    expect(await rows(tag)).toBe(1);
  });
});
