import {
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
} from 'kysely';
import type { DB } from './generated/db.js';

export type { DB } from './generated/db.js';

/**
 * The query builder on the service's tables, typed from schema.prisma (the prisma-kysely generator
 * of `npm run generate`; docs/decisions/0067). Adapters get it from TransactionRunner.db: each
 * statement runs on the open transaction's connection when there is one, else on the pool.
 */
export type Database = Kysely<DB>;

/**
 * A Kysely driver over connections someone else opens: `current()` (the open transaction's
 * connection) or else `pooled`. Transactions are TransactionRunner's (UnitOfWork.run), one
 * mechanism for the whole service; Kysely's own `db.transaction()` is refused.
 */
class ConnectionsDriver implements Driver {
  constructor(
    private readonly pooled: DatabaseConnection,
    private readonly current: () => DatabaseConnection | undefined,
  ) {}

  async init(): Promise<void> {}

  acquireConnection(): Promise<DatabaseConnection> {
    return Promise.resolve(this.current() ?? this.pooled);
  }

  beginTransaction(): Promise<void> {
    return Promise.reject(new Error('Open transactions with UnitOfWork.run (TransactionRunner), not db.transaction()'));
  }

  commitTransaction(): Promise<void> {
    return Promise.reject(new Error('Transactions are committed by UnitOfWork.run (TransactionRunner)'));
  }

  rollbackTransaction(): Promise<void> {
    return Promise.reject(new Error('Transactions are rolled back by UnitOfWork.run (TransactionRunner)'));
  }

  async releaseConnection(): Promise<void> {}

  /** The pool belongs to DatabaseModule, which ends it. */
  async destroy(): Promise<void> {}
}

/** A Kysely instance whose statements run on `current()` when it returns a connection, else on `pooled`. */
export function createDatabase(pooled: DatabaseConnection, current: () => DatabaseConnection | undefined): Database {
  const driver = new ConnectionsDriver(pooled, current);
  return new Kysely<DB>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => driver,
      createQueryCompiler: () => new PostgresQueryCompiler(),
      createIntrospector: (db) => new PostgresIntrospector(db),
    },
  });
}
