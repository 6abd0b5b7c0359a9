import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory, SqlQueryable, SqlResultSet } from '@prisma/driver-adapter-utils';
import pg from 'pg';

/*
 * The schema engine reads catalog columns of PostgreSQL's one-byte `"char"` type (contype,
 * relkind...) and expects them typed as Character. @prisma/adapter-pg 7.10 has no mapping for
 * that type and throws. The pg client below tags such columns and reports them as text; the
 * adapter wrapper turns the tagged columns back into Character. Only the schema engine's
 * connections use this; the application's client is untouched.
 */
const PG_CHAR = 18;
const PG_TEXT = 25;
const CHAR_TAG = '\u0000char';
const COLUMN_TYPE_CHARACTER = 6; // ColumnTypeEnum.Character in @prisma/driver-adapter-utils

type QueryResultLike = { fields?: { dataTypeID: number; name: string }[] } | undefined;

function tagCharColumns<T extends QueryResultLike>(result: T): T {
  for (const field of result?.fields ?? []) {
    if (field.dataTypeID !== PG_CHAR) continue;
    field.dataTypeID = PG_TEXT;
    field.name += CHAR_TAG;
  }
  return result;
}

class SchemaEnginePgClient extends pg.Client {
  override query(...args: unknown[]): never {
    const last = args.at(-1);
    if (typeof last === 'function') {
      const callback = last as (err: Error, res: QueryResultLike) => void;
      args[args.length - 1] = (err: Error, res: QueryResultLike) => callback(err, tagCharColumns(res));
      return (super.query as (...a: unknown[]) => never)(...args);
    }
    const ret = (super.query as (...a: unknown[]) => unknown)(...args) as Promise<QueryResultLike> | undefined;
    return (ret && typeof ret.then === 'function' ? ret.then(tagCharColumns) : ret) as never;
  }
}

function untag(result: SqlResultSet): SqlResultSet {
  result.columnNames.forEach((name, i) => {
    if (!name.endsWith(CHAR_TAG)) return;
    result.columnNames[i] = name.slice(0, -CHAR_TAG.length);
    result.columnTypes[i] = COLUMN_TYPE_CHARACTER;
  });
  return result;
}

function withCharColumns<T extends SqlQueryable>(queryable: T): T {
  return new Proxy(queryable, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (key === 'queryRaw') return async (query: Parameters<T['queryRaw']>[0]) => untag(await target.queryRaw(query));
      if (key === 'startTransaction') {
        return async (...args: unknown[]) =>
          withCharColumns(await (value as (...a: unknown[]) => Promise<SqlQueryable>).apply(target, args));
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export interface SchemaEngineAdapter extends SqlMigrationAwareDriverAdapterFactory {
  /** Closes every connection the engine opened (freeing the engine does not). */
  dispose(): Promise<void>;
}

/**
 * A driver-adapter factory for the schema engine. `shadowUrl`: where the engine may replay
 * migrations from scratch (it wipes it); by default a temporary database the adapter creates.
 */
export function schemaEngineAdapter(url: string, shadowUrl?: string): SchemaEngineAdapter {
  const main = new PrismaPg({ connectionString: url, Client: SchemaEnginePgClient, max: 1 });
  const shadow = shadowUrl
    ? new PrismaPg({ connectionString: shadowUrl, Client: SchemaEnginePgClient, max: 1 })
    : undefined;
  const open: { dispose(): Promise<void> }[] = [];
  const track = <T extends SqlQueryable & { dispose(): Promise<void> }>(adapter: T): T => {
    open.push(adapter);
    return withCharColumns(adapter);
  };
  return {
    provider: 'postgres',
    adapterName: main.adapterName,
    connect: async () => track(await main.connect()),
    connectToShadowDb: async () => track(await (shadow ? shadow.connect() : main.connectToShadowDb())),
    dispose: async () => {
      await Promise.allSettled(open.splice(0).map((a) => a.dispose()));
    },
  };
}
