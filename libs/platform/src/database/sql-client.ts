import pg from 'pg';

/**
 * What adapters query through: parameterised SQL (`$1`, `$2`...) on the pool or on the open
 * transaction's connection (TransactionRunner.client). int8 and xid8 columns come back as
 * `bigint` (event positions and transaction ids exceed 2^53 in theory; select them uncast, so
 * that they also compare and sort as numbers), everything else as pg parses it (timestamptz as Date,
 * json/jsonb parsed, uuid and text as strings).
 *
 * Every statement runs as a named prepared statement: PostgreSQL parses and plans each SQL text
 * once per connection instead of on every call (about a tenth of POST /tasks's throughput on the
 * two-core bench machine, docs/decisions/0055). The texts are constants in the code, so the
 * statements per connection stay few; never build SQL text from values.
 */
export interface SqlClient {
  /** The rows of `text`. `T` is the row array type, e.g. `query<{ id: string }[]>(...)`. */
  query<T = Record<string, unknown>[]>(text: string, ...values: unknown[]): Promise<T>;
  /** The number of rows `text` inserted, updated or deleted. */
  execute(text: string, ...values: unknown[]): Promise<number>;
}

const INT8 = 20;
const XID8 = 5069;
const parseBigInt = (value: string) => BigInt(value);
const types = {
  getTypeParser: ((oid: number, format?: string): unknown =>
    oid === INT8 || oid === XID8
      ? parseBigInt
      : pg.types.getTypeParser(oid, format as never)) as typeof pg.types.getTypeParser,
};

const names = new Map<string, string>();
/** One statement name per distinct SQL text, for the life of the process. */
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) names.set(text, (name = `s${names.size + 1}`));
  return name;
}

/** A SqlClient on a pg pool (each statement on any free connection) or on one checked-out connection. */
export class PgSqlClient implements SqlClient {
  constructor(private readonly target: pg.Pool | pg.PoolClient) {}

  async query<T = Record<string, unknown>[]>(text: string, ...values: unknown[]): Promise<T> {
    const result = await this.target.query({ name: statementName(text), text, values, types });
    return result.rows as T;
  }

  async execute(text: string, ...values: unknown[]): Promise<number> {
    const result = await this.target.query({ name: statementName(text), text, values, types });
    return result.rowCount ?? 0;
  }
}
