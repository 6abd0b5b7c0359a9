import pg from 'pg';

/**
 * What adapters query through: parameterised SQL (`$1`, `$2`...) on the pool or on the open
 * transaction's connection (TransactionRunner.client). int8 columns come back as `bigint`
 * (event positions exceed 2^53 in theory), everything else as pg parses it (timestamptz as Date,
 * json/jsonb parsed, uuid and text as strings).
 */
export interface SqlClient {
  /** The rows of `text`. `T` is the row array type, e.g. `query<{ id: string }[]>(...)`. */
  query<T = Record<string, unknown>[]>(text: string, ...values: unknown[]): Promise<T>;
  /** The number of rows `text` inserted, updated or deleted. */
  execute(text: string, ...values: unknown[]): Promise<number>;
}

const INT8 = 20;
const parseInt8 = (value: string) => BigInt(value);
const types = {
  getTypeParser: ((oid: number, format?: string) => (oid === INT8 ? parseInt8 : pg.types.getTypeParser(oid, format as never))) as typeof pg.types.getTypeParser,
};

/** A SqlClient on a pg pool (each statement on any free connection) or on one checked-out connection. */
export class PgSqlClient implements SqlClient {
  constructor(private readonly target: pg.Pool | pg.PoolClient) {}

  async query<T = Record<string, unknown>[]>(text: string, ...values: unknown[]): Promise<T> {
    const result = await this.target.query({ text, values, types });
    return result.rows as T;
  }

  async execute(text: string, ...values: unknown[]): Promise<number> {
    const result = await this.target.query({ text, values, types });
    return result.rowCount ?? 0;
  }
}
