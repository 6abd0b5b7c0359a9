import type { Name } from '../names.js';
import type { SliceNames } from '../slice-names.js';
import { messageClass } from './message.js';

/** The get query of a new slice, in application/queries/get-<aggregate>/: one file, the query and its handler. */
export function getQueryFiles(n: SliceNames): Record<string, string> {
  const a = n.aggregate;
  const get = `get-${a.kebab}`;
  return {
    [`${get}.handler.ts`]: `import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DomainError } from '@app/shared-kernel';
import { ${n.slice.pascal}ReadModel, type ${a.pascal}View } from '../../../ports/${n.slice.kebab}.read-model.js';

${messageClass(`One of the caller's ${n.slice.kebab}, from ${n.readProjection.snake}.`, `Get${a.pascal}Query`, `Query<${a.pascal}View>`, ['ownerId: string', `${a.camel}Id: string`])}

/** Reads ${n.readProjection.snake}; another user's ${a.kebab} is a 404 like a missing one. */
@QueryHandler(Get${a.pascal}Query)
export class Get${a.pascal}Handler implements IQueryHandler<Get${a.pascal}Query> {
  constructor(private readonly read: ${n.slice.pascal}ReadModel) {}

  async execute(q: Get${a.pascal}Query): Promise<${a.pascal}View> {
    const view = await this.read.get(q.${a.camel}Id, q.ownerId);
    if (!view) throw new DomainError('not_found', '${n.notFoundCode}', \`${a.pascal} \${q.${a.camel}Id} does not exist.\`);
    return view;
  }
}
`,
  };
}

/**
 * A new query (`<verb>-<noun>`): its handler file, which declares the query too, reading a method
 * of the same name that the generator adds to the read-model port and its adapter (the caller's
 * rows, newest first), and an integration test through the real query bus.
 */
export function queryFiles(n: SliceNames, q: Name): Record<string, string> {
  const a = n.aggregate;
  const create = `create-${a.kebab}`;
  return {
    [`${q.kebab}.handler.ts`]: `import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ${n.slice.pascal}ReadModel, type ${a.pascal}View } from '../../../ports/${n.slice.kebab}.read-model.js';

${messageClass(`${q.pascal}: the caller's ${n.slice.kebab}, newest first, at most \`limit\`.`, `${q.pascal}Query`, `Query<${a.pascal}View[]>`, ['ownerId: string', 'limit: number'])}

@QueryHandler(${q.pascal}Query)
export class ${q.pascal}Handler implements IQueryHandler<${q.pascal}Query> {
  constructor(private readonly read: ${n.slice.pascal}ReadModel) {}

  execute(q: ${q.pascal}Query): Promise<${a.pascal}View[]> {
    return this.read.${q.camel}(q.ownerId, q.limit);
  }
}
`,
    [`${q.kebab}.handler.int-spec.ts`]: `import { randomUUID } from 'node:crypto';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { StoredEvent } from '@app/events';
import { TransactionRunner } from '@app/platform';
import pg from 'pg';
import { startTestContext, type TestContext } from '../../../../../../test/support/test-context';
import type { ${a.pascal}State } from '../../../domain/${a.kebab}';
import { ${n.readProjection.pascal}Projector } from '../../../projections/${n.readProjection.kebab}.projector';
import { ${n.slice.pascal}Module, ${n.slice.pascal}WorkerModule } from '../../../${n.slice.kebab}.module';
import { Create${a.pascal}Command } from '../../commands/${create}/${create}.handler';
import { ${q.pascal}Query } from './${q.kebab}.handler';

describe('${q.pascal}Query through the query bus', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestContext([${n.slice.pascal}Module, ${n.slice.pascal}WorkerModule]);
  }, 60_000);
  afterAll(() => t?.close());

  /** Projects the events of \`id\` into ${n.readProjection.snake}, as the worker would. */
  async function project(id: string): Promise<void> {
    const { rows } = await t.app.get(pg.Pool).query('SELECT * FROM events WHERE aggregate_id = $1 ORDER BY aggregate_version', [id]);
    const projector = t.app.get(${n.readProjection.pascal}Projector);
    for (const r of rows) {
      const event: StoredEvent = { id: r.id, position: BigInt(r.position), aggregateType: r.aggregate_type, aggregateId: r.aggregate_id, aggregateVersion: r.aggregate_version, type: r.type, payload: r.payload, metadata: r.metadata, occurredAt: r.occurred_at };
      await t.app.get(TransactionRunner).run(() => projector.handle(event));
    }
  }

  it("answers the caller's ${n.slice.kebab} newest first, up to the limit, and no one else's", async () => {
    const owner = randomUUID();
    const made: ${a.pascal}State[] = [];
    for (const title of ['one', 'two', 'three']) made.push(await t.app.get(CommandBus).execute(new Create${a.pascal}Command(owner, title)));
    const other: ${a.pascal}State = await t.app.get(CommandBus).execute(new Create${a.pascal}Command(randomUUID(), 'not yours'));
    for (const c of [...made, other]) await project(c.id);
    const page = await t.app.get(QueryBus).execute(new ${q.pascal}Query(owner, 2));
    expect(page.map((v) => v.title)).toEqual(['three', 'two']);
    expect(page.every((v) => v.ownerId === owner)).toBe(true);
  });
});
`,
  };
}

/** The abstract method a new query adds to the read-model port. */
export function queryPortMethod(n: SliceNames, q: Name): string {
  return `/** ${q.pascal}: the caller's ${n.slice.kebab}, newest first, at most \`limit\`. */
abstract ${q.camel}(ownerId: string, limit: number): Promise<${n.aggregate.pascal}View[]>;`;
}

/** Its implementation in the read-model adapter. */
export function queryAdapterMethod(n: SliceNames, q: Name): string {
  return `async ${q.camel}(ownerId: string, limit: number): Promise<${n.aggregate.pascal}View[]> {
  const rows = await this.transactions.db
    .selectFrom('${n.readProjection.snake}')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toView);
}`;
}
