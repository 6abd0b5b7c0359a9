import { Inject, Injectable } from '@nestjs/common';
import pg from 'pg';
import { CommitThenRefuse, UnitOfWork } from '@app/shared-kernel';
import { AppConfig } from '../config/app-config.js';
import { contextSlot } from '../context/async-context.js';
import { requestContext } from '../context/request-context.js';
import { PgSqlClient, type SqlClient } from '../database/sql-client.js';
import { assertPlainData, type CommandOutcome, commandScope, keyedRequest } from './command-scope.js';

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

interface Scope {
  tx: Tx;
  afterCommit: (() => void)[];
  consistencyToken?: string;
}

/**
 * One transaction per command, cross-cutting: a command handler wraps its writes (rows and
 * events) in `run`; nested calls join the open transaction. A transaction is one pg connection
 * (BEGIN ... COMMIT), not Prisma's interactive transaction: on the write path that machinery cost
 * more than the SQL (docs/decisions/0055).
 *
 * Inside a command (RecordedCommandBus), the transaction is the command's one transaction: its
 * outcome (value or committed refusal, and consistency token) must be plain data, is written by
 * the command's recorder before COMMIT (idempotency's key row) and is reported to the command
 * bus after it (docs/decisions/0031). In a request with an Idempotency-Key, a transaction outside
 * any command is refused: it could not be recorded with the key.
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
    const command = commandScope.get();
    if (command) {
      if (command.opened)
        throw new Error(
          `${command.name}: a command commits one transaction (one unit of work.run), whose result it returns`,
        );
      command.opened = true;
    } else if (keyedRequest.get()) {
      throw new Error(
        'A request with an Idempotency-Key writes through the CommandBus: this transaction, outside any command, could not be recorded with the key',
      );
    }
    const afterCommit: (() => void)[] = [];
    const timeoutMs = options.timeoutMs ?? Math.max(this.config.database.statementTimeoutMs, 5_000);
    // Waits at most the pool's acquire timeout (connectionTimeoutMillis) for a connection.
    const connection = await this.pool.connect();
    const tx = new TxClient(connection, timeoutMs);
    const timer = setTimeout(() => (tx.expired = true), timeoutMs);
    const scope: Scope = { tx, afterCommit };
    let broken: Error | undefined;
    let outcome: CommandOutcome;
    try {
      await connection.query('BEGIN');
      outcome = await this.scope.run(scope, async () => {
        let done: CommandOutcome;
        try {
          done = { value: await work(tx) };
        } catch (err) {
          if (!(err instanceof CommitThenRefuse)) throw err;
          done = { refusal: err.refusal };
        }
        done.consistencyToken = scope.consistencyToken;
        if (command) {
          assertPlainData(done.value, command.name);
          if (command.record) await command.record(tx, done);
        }
        return done;
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
    if (command) command.committed = outcome;
    requestContext.noteConsistencyToken(outcome.consistencyToken);
    for (const callback of afterCommit) callback();
    if (outcome.refusal) throw outcome.refusal;
    return outcome.value as T;
  }

  /**
   * The consistency token (`<transaction id>.<position>`) of the last event the open
   * transaction appended: it commits with the command's outcome and becomes the request's
   * `X-Consistency-Token` after COMMIT (docs/decisions/0014).
   */
  noteConsistencyToken(token: string): void {
    const open = this.scope.get();
    if (!open) throw new Error('noteConsistencyToken must be called inside a transaction');
    open.consistencyToken = token;
  }

  /** Calls `callback` once the open transaction has committed (never if it rolls back); at once outside one. */
  afterCommit(callback: () => void): void {
    const open = this.scope.get();
    if (open) open.afterCommit.push(callback);
    else callback();
  }
}
