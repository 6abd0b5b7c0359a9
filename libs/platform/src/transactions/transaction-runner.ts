import { Inject, Injectable } from '@nestjs/common';
import pg from 'pg';
import { UnitOfWork } from '@app/shared-kernel';
import { AppConfig } from '../config/app-config.js';
import { contextSlot } from '../context/async-context.js';
import { PgSqlClient, type SqlClient } from '../database/sql-client.js';

/** The open transaction's connection, as adapters query it. */
export type Tx = SqlClient;

/** The transaction stayed open longer than its timeout: it was rolled back. */
export class TransactionTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`transaction rolled back: open longer than ${timeoutMs} ms`);
  }
}

/** The open transaction's client: refuses statements once the transaction has timed out. */
class TxClient extends PgSqlClient {
  expired = false;

  constructor(
    connection: pg.PoolClient,
    private readonly timeoutMs: number,
  ) {
    super(connection);
  }

  override query<T>(text: string, ...values: unknown[]): Promise<T> {
    if (this.expired) return Promise.reject(new TransactionTimeoutError(this.timeoutMs));
    return super.query<T>(text, ...values);
  }

  override execute(text: string, ...values: unknown[]): Promise<number> {
    if (this.expired) return Promise.reject(new TransactionTimeoutError(this.timeoutMs));
    return super.execute(text, ...values);
  }
}

/** Called inside the transaction, after the work and before COMMIT, with the work's result. */
export type BeforeCommitHook = (tx: Tx, result: unknown) => Promise<void>;

interface Scope {
  tx: Tx;
  afterCommit: (() => void)[];
}

// In the process's one async context (docs/decisions/0057).
const hooks = contextSlot<BeforeCommitHook[]>('before-commit hooks');
const recorded = contextSlot<{ result: unknown; used: boolean }>('recorded result');

/**
 * One transaction per command, cross-cutting: a command handler wraps its writes (rows and
 * events) in `run`; nested calls join the open transaction. A transaction is one pg connection
 * (BEGIN ... COMMIT), not Prisma's interactive transaction: on the write path that machinery cost
 * more than the SQL (docs/decisions/0055). Edge plumbing such as idempotency
 * registers a before-commit hook for the current request with `withBeforeCommit`, so its record
 * commits atomically with the command without the handler knowing.
 */
@Injectable()
export class TransactionRunner extends UnitOfWork {
  private readonly scope = contextSlot<Scope>('transaction');
  private readonly pooled: SqlClient;

  constructor(
    @Inject(pg.Pool) private readonly pool: pg.Pool,
    private readonly config: AppConfig,
  ) {
    super();
    this.pooled = new PgSqlClient(pool);
  }

  /** The open transaction when there is one, else the pool: what an adapter queries through. */
  get client(): SqlClient {
    return this.current() ?? this.pooled;
  }

  current(): Tx | undefined {
    return this.scope.get()?.tx;
  }

  /** `timeoutMs`: how long the transaction may stay open (default: the statement timeout, at least 5 s). */
  async run<T>(work: (tx: Tx) => Promise<T>, options: { timeoutMs?: number } = {}): Promise<T> {
    const open = this.scope.get();
    if (open) return work(open.tx);
    const replay = recorded.get();
    if (replay && !replay.used) {
      replay.used = true;
      return replay.result as T;
    }
    const pending = hooks.get();
    const afterCommit: (() => void)[] = [];
    const timeoutMs = options.timeoutMs ?? Math.max(this.config.database.statementTimeoutMs, 5_000);
    // Waits at most the pool's acquire timeout (connectionTimeoutMillis) for a connection.
    const connection = await this.pool.connect();
    const tx = new TxClient(connection, timeoutMs);
    const timer = setTimeout(() => (tx.expired = true), timeoutMs);
    let broken: Error | undefined;
    let result: T;
    try {
      await connection.query('BEGIN');
      result = await this.scope.run({ tx, afterCommit }, async () => {
        const value = await work(tx);
        if (pending) for (const hook of pending.splice(0)) await hook(tx, value);
        return value;
      });
      if (tx.expired) throw new TransactionTimeoutError(timeoutMs);
      await connection.query('COMMIT');
    } catch (err) {
      await connection.query('ROLLBACK').catch((rollbackFailed: Error) => (broken = rollbackFailed));
      throw err;
    } finally {
      clearTimeout(timer);
      // A connection whose ROLLBACK failed is in an unknown state: the pool drops it.
      connection.release(broken);
    }
    for (const callback of afterCommit) callback();
    return result;
  }

  /** Calls `callback` once the open transaction has committed (never if it rolls back); at once outside one. */
  afterCommit(callback: () => void): void {
    const open = this.scope.get();
    if (open) open.afterCommit.push(callback);
    else callback();
  }

  /** Runs `work` so that the next command transaction inside it calls `hook` before committing. */
  static withBeforeCommit<T>(hook: BeforeCommitHook, work: () => T): T {
    return hooks.run([hook], work);
  }

  /**
   * Runs `work` so that the next command transaction inside it does not run: it returns
   * `result`, the result a committed transaction recorded earlier. Idempotency uses it to rebuild
   * the response of a command that committed but whose response was lost (a crash between
   * COMMIT and storing the response): the route runs again and writes nothing.
   */
  static withRecordedResult<T>(result: unknown, work: () => T): T {
    return recorded.run({ result, used: false }, work);
  }
}
