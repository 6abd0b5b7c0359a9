import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely';
import pg from 'pg';

/*
 * int8 and xid8 columns come back as `bigint` (event positions and transaction ids exceed 2^53 in
 * theory; select them uncast, so that they also compare and sort as numbers); everything else as pg
 * parses it (timestamptz as Date, json/jsonb parsed, uuid and text as strings).
 */
const INT8 = 20;
const XID8 = 5069;
const parseBigInt = (value: string) => BigInt(value);
const types = {
  getTypeParser: ((oid: number, format?: string): unknown =>
    oid === INT8 || oid === XID8
      ? parseBigInt
      : pg.types.getTypeParser(oid, format as never)) as typeof pg.types.getTypeParser,
};

/*
 * Every statement runs as a named prepared statement: PostgreSQL parses and plans each SQL text once
 * per connection instead of on every call (about a tenth of POST /tasks's throughput on the
 * two-core bench machine, docs/decisions/0055). Kysely builds the same text for the same query
 * shape, so the texts stay few; past MAX_NAMED texts (a query whose shape varies with its values,
 * e.g. `IN` lists of any length) statements run unnamed, so no connection collects statements
 * without bound.
 */
const MAX_NAMED = 1_000;
const names = new Map<string, string>();
function statementName(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED) names.set(text, (name = `s${names.size + 1}`));
  return name;
}

const COUNTED = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

/** Kysely's connection on a pg pool (each statement on any free connection) or on one checked-out connection. */
export class PgConnection implements DatabaseConnection {
  constructor(private readonly target: pg.Pool | pg.PoolClient) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const { sql: text, parameters } = query;
    const result = await this.target.query<R & pg.QueryResultRow>({
      name: statementName(text),
      text,
      values: parameters as unknown[],
      types,
    });
    return {
      rows: result.rows,
      numAffectedRows: COUNTED.has(result.command) ? BigInt(result.rowCount ?? 0) : undefined,
    };
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported: page with keyset queries instead');
  }
}
