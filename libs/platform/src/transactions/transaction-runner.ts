import { Inject, Injectable } from '@nestjs/common';
import type { CompiledQuery, QueryResult } from 'kysely';
import pg from 'pg';
import { CommitThenRefuse, UnitOfWork } from '@app/shared-kernel';
import { AppConfig } from '../config/app-config.js';
import { contextSlot } from '../context/async-context.js';
import { requestContext } from '../context/request-context.js';
import { createDatabase, type Database } from '../database/database.js';
import { PgConnection } from '../database/pg-connection.js';
import { assertPlainData, type CommandOutcome, commandScope, keyedRequest } from './command-scope.js';

/** The transaction stayed open longer than its timeout: it was rolled back. */
export class TransactionTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`transaction rolled back: open longer than ${timeoutMs} ms`);
  }
}

/** The open transaction's connection as Kysely runs statements on it: refused once the transaction has timed out. */
class TransactionConnection extends PgConnection {
  expired = false;

  constructor(
    connection: pg.PoolClient,
    private readonly timeoutMs: number,
  ) {
    super(connection);
  }

  override executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.expired) return Promise.reject(new TransactionTimeoutError(this.timeoutMs));
    return super.executeQuery<R>(query);
  }
}

interface Scope {
  connection: TransactionConnection;
  afterCommit: (() => void)[];
  consistencyToken?: string;
}

/**
 * One transaction per command, cross-cutting: a command handler wraps its writes (rows and
 * events) in `run`; nested calls join the open transaction. A transaction is one pg connection
 * (BEGIN ... COMMIT) on which `db`, the Kysely instance every adapter queries through, runs its
 * statements while the transaction is open (docs/decisions/0067).
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
  /**
   * The query builder adapters write statements with: each runs on the open transaction's
   * connection when there is one (inside `run`), else on the pool.
   */
  readonly db: Database;

  constructor(
    @Inject(pg.Pool) private readonly pool: pg.Pool,
    private readonly config: AppConfig,
  ) {
    super();
    this.db = createDatabase(new PgConnection(pool), () => this.scope.get()?.connection);
  }

  /** `db` when a transaction is open (its statements join it), else undefined. */
  current(): Database | undefined {
    return this.scope.get() ? this.db : undefined;
  }

  /**
   * Runs `work` in a transaction (`db` is this.db, handed over for convenience). `timeoutMs`: how
   * long the transaction may stay open (default: the statement timeout, at least 5 s).
   */
  async run<T>(work: (db: Database) => Promise<T>, options: { timeoutMs?: number } = {}): Promise<T> {
    if (this.scope.get()) return work(this.db);
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
    const transaction = new TransactionConnection(connection, timeoutMs);
    const timer = setTimeout(() => (transaction.expired = true), timeoutMs);
    const scope: Scope = { connection: transaction, afterCommit };
    let broken: Error | undefined;
    let outcome: CommandOutcome;
    try {
      await connection.query('BEGIN');
      outcome = await this.scope.run(scope, async () => {
        let done: CommandOutcome;
        try {
          done = { value: await work(this.db) };
        } catch (err) {
          if (!(err instanceof CommitThenRefuse)) throw err;
          done = { refusal: err.refusal };
        }
        done.consistencyToken = scope.consistencyToken;
        if (command) {
          assertPlainData(done.value, command.name);
          if (command.record) await command.record(this.db, done);
        }
        return done;
      });
      if (transaction.expired) throw new TransactionTimeoutError(timeoutMs);
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
