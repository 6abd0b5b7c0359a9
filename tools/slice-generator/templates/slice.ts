import type { SliceNames } from '../slice-names.js';
import { createCommandFiles } from './command.js';
import { getQueryFiles } from './query.js';
import { projectionFiles, projectionSchema, tableModel } from './projection.js';

/**
 * The files of a new slice, keyed by path under libs/<slice>/src: 14 sources and 4 tests.
 * index.ts; <slice>.module.ts (the HTTP module and the worker module); domain/<aggregate>.ts (the
 * aggregate and its events); the repository and read-model ports and their Kysely adapters; the
 * create command and the get query, each one handler file that declares its message class too;
 * the main read projection and its projector; the controller, its request and its response. The
 * tests: the aggregate's (unit), the projection's (unit), the adapters' (PostgreSQL) and the
 * routes' (e2e).
 */
export function sliceFiles(n: SliceNames): Record<string, string> {
  const { slice: s, aggregate: a } = n;
  const create = `create-${a.kebab}`;
  const get = `get-${a.kebab}`;
  return {
    'index.ts': `export { ${s.pascal}Module, ${s.pascal}WorkerModule } from './${s.kebab}.module.js';
export type { ${a.pascal}CreatedPayload, ${a.pascal}Event } from './domain/${a.kebab}.js';
`,
    [`${s.kebab}.module.ts`]: `import { Module } from '@nestjs/common';
import { AccessModule } from '@app/access';
import { EventsModule } from '@app/events';
import { Clock, SystemClock } from '@app/shared-kernel';
import { Kysely${a.pascal}Repository } from './adapters/kysely-${a.kebab}.repository.js';
import { Kysely${s.pascal}ReadModel } from './adapters/kysely-${s.kebab}.read-model.js';
import { Create${a.pascal}Handler } from './application/commands/${create}/${create}.handler.js';
import { Get${a.pascal}Handler } from './application/queries/${get}/${get}.handler.js';
import { ${s.pascal}Controller } from './http/${s.kebab}.controller.js';
import { ${a.pascal}Repository } from './ports/${a.kebab}.repository.js';
import { ${s.pascal}ReadModel } from './ports/${s.kebab}.read-model.js';
import { ${n.readProjection.pascal}Projector } from './projections/${n.readProjection.kebab}.projector.js';

/** The ${s.kebab} slice's HTTP side, imported by AppModule: its routes, commands and queries. */
@Module({
  imports: [EventsModule, AccessModule],
  controllers: [${s.pascal}Controller],
  providers: [
    { provide: ${a.pascal}Repository, useClass: Kysely${a.pascal}Repository },
    { provide: ${s.pascal}ReadModel, useClass: Kysely${s.pascal}ReadModel },
    { provide: Clock, useClass: SystemClock },
    Create${a.pascal}Handler,
    Get${a.pascal}Handler,
  ],
})
export class ${s.pascal}Module {}

/**
 * The ${s.kebab} slice's background side, imported by WorkerModule (the worker process, or the API
 * in single-instance mode): its projectors, which the events engine discovers by their
 * @EventConsumer() decorator. A module apart from ${s.pascal}Module so each consumer is registered once.
 */
@Module({
  providers: [${n.readProjection.pascal}Projector],
})
export class ${s.pascal}WorkerModule {}
`,
    [`domain/${a.kebab}.ts`]: `import { DomainError } from '@app/shared-kernel';

const ${a.constant}_AGGREGATE = '${a.snake}';
export const TITLE_MAX = 200;

/** Payloads of the ${a.kebab} events: the contract other slices' consumers read (index.ts exports them). */
export interface ${a.pascal}CreatedPayload {
  ownerId: string;
  title: string;
  createdAt: string;
}

/** An event of the ${a.kebab} aggregate, in the envelope the event store appends (NewEvent of @app/events/ports). */
interface ${a.pascal}Envelope<T extends string, P> {
  type: T;
  aggregateType: typeof ${a.constant}_AGGREGATE;
  aggregateId: string;
  /** The aggregate's version after the event. */
  aggregateVersion: number;
  payload: P;
}

export type ${a.pascal}Event =
  | ${a.pascal}Envelope<'${a.snake}.created', ${a.pascal}CreatedPayload>;

${rowInterface(`The ${a.kebab}'s state as the write table stores it.`, `${a.pascal}State`)}

function validTitle(title: string): string {
  const trimmed = title.trim();
  if (trimmed.length < 1 || trimmed.length > TITLE_MAX) {
    throw new DomainError('invalid', 'validation-failed', 'The ${a.kebab} has invalid fields.', {
      errors: [{ field: 'title', message: \`title must be 1 to \${TITLE_MAX} characters\` }],
    });
  }
  return trimmed;
}

/**
 * The ${a.pascal} aggregate. Commands are methods that check the rules, change the state, bump the
 * version and return the events they caused; nothing here does I/O or reads the clock.
 */
export class ${a.pascal} {
  private constructor(private readonly state: ${a.pascal}State) {}

  static create(input: { id: string; ownerId: string; title: string; now: Date }): { ${a.camel}: ${a.pascal}; events: ${a.pascal}Event[] } {
    const title = validTitle(input.title);
    const ${a.camel} = new ${a.pascal}({ id: input.id, ownerId: input.ownerId, title, version: 1, createdAt: input.now, updatedAt: input.now });
    const created: ${a.pascal}Event = {
      type: '${a.snake}.created',
      aggregateType: ${a.constant}_AGGREGATE,
      aggregateId: input.id,
      aggregateVersion: 1,
      payload: { ownerId: input.ownerId, title, createdAt: input.now.toISOString() },
    };
    return { ${a.camel}, events: [created] };
  }

  static restore(state: ${a.pascal}State): ${a.pascal} {
    return new ${a.pascal}({ ...state });
  }

  get id(): string {
    return this.state.id;
  }

  get version(): number {
    return this.state.version;
  }

  snapshot(): ${a.pascal}State {
    return { ...this.state };
  }
}
`,
    [`domain/${a.kebab}.spec.ts`]: `import { DomainError } from '@app/shared-kernel';
import { ${a.pascal} } from './${a.kebab}';

const ID = '11111111-1111-4111-8111-111111111111';
const OWNER = '22222222-2222-4222-8222-222222222222';
const NOW = new Date('2026-01-02T03:04:05.000Z');

describe('${a.pascal}', () => {
  it('is created at version 1 with its title trimmed, and says so in a ${a.snake}.created event', () => {
    const { ${a.camel}, events } = ${a.pascal}.create({ id: ID, ownerId: OWNER, title: '  First  ', now: NOW });
    expect(${a.camel}.snapshot()).toEqual({ id: ID, ownerId: OWNER, title: 'First', version: 1, createdAt: NOW, updatedAt: NOW });
    expect(events).toEqual([
      { type: '${a.snake}.created', aggregateType: '${a.snake}', aggregateId: ID, aggregateVersion: 1, payload: { ownerId: OWNER, title: 'First', createdAt: NOW.toISOString() } },
    ]);
  });

  it('refuses an empty or too long title with validation-failed naming the field', () => {
    for (const title of ['   ', 'x'.repeat(201)]) {
      let error: unknown;
      try {
        ${a.pascal}.create({ id: ID, ownerId: OWNER, title, now: NOW });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ kind: 'invalid', code: 'validation-failed', details: { errors: [{ field: 'title' }] } });
    }
  });
});
`,
    [`ports/${a.kebab}.repository.ts`]: `import type { ${a.pascal}State } from '../domain/${a.kebab}.js';

/** The ${n.writeTable} write table. Called inside the command's unit of work, whose transaction it joins. */
export abstract class ${a.pascal}Repository {
  /** A new ${a.kebab} id. */
  abstract nextId(): string;
  /** The ${a.kebab} if it exists and belongs to \`ownerId\` (another user's is indistinguishable from none), locked until the transaction ends. */
  abstract findOwned(id: string, ownerId: string): Promise<${a.pascal}State | null>;
  abstract insert(${a.camel}: ${a.pascal}State): Promise<void>;
  /** Writes the new state if the stored version is still \`expectedVersion\`; otherwise a 409 conflict. */
  abstract update(${a.camel}: ${a.pascal}State, expectedVersion: number): Promise<void>;
}
`,
    [`ports/${s.kebab}.read-model.ts`]: `${rowInterface(`A row of ${n.readProjection.snake}, as queries see it.`, `${a.pascal}View`)}

/** The read side: queries read ${n.readProjection.snake} directly, skipping the domain. */
export abstract class ${s.pascal}ReadModel {
  /** The ${a.kebab} if it is projected and belongs to \`ownerId\`. */
  abstract get(id: string, ownerId: string): Promise<${a.pascal}View | null>;
}
`,
    [`adapters/kysely-${a.kebab}.repository.ts`]: `import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import { type DB, TransactionRunner } from '@app/platform';
import { DomainError } from '@app/shared-kernel';
import type { ${a.pascal}State } from '../domain/${a.kebab}.js';
import { ${a.pascal}Repository } from '../ports/${a.kebab}.repository.js';

${rowMapper('toState', n.writeTable, `${a.pascal}State`)}

/** The ${n.writeTable} write table through Kysely, on the command's transaction. */
@Injectable()
export class Kysely${a.pascal}Repository extends ${a.pascal}Repository {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  /** The query builder, on the open unit of work's connection (the write table is written in commands only). */
  private get db() {
    if (!this.transactions.current()) throw new Error('${a.pascal}Repository must run inside a unit of work');
    return this.transactions.db;
  }

  nextId(): string {
    return randomUUID();
  }

  async findOwned(id: string, ownerId: string): Promise<${a.pascal}State | null> {
    const r = await this.db.selectFrom('${n.writeTable}').selectAll().where('id', '=', id).where('owner_id', '=', ownerId).forUpdate().executeTakeFirst();
    return r ? toState(r) : null;
  }

  async insert(c: ${a.pascal}State): Promise<void> {
    await this.db
      .insertInto('${n.writeTable}')
      .values({ id: c.id, owner_id: c.ownerId, title: c.title, version: c.version, created_at: c.createdAt, updated_at: c.updatedAt })
      .execute();
  }

  async update(c: ${a.pascal}State, expectedVersion: number): Promise<void> {
    const { numUpdatedRows } = await this.db
      .updateTable('${n.writeTable}')
      .set({ title: c.title, version: c.version, updated_at: c.updatedAt })
      .where('id', '=', c.id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    if (numUpdatedRows !== 1n) throw new DomainError('conflict', 'concurrent-modification', 'The ${a.kebab} was changed by another request; reload and retry.');
  }
}
`,
    [`adapters/kysely-${s.kebab}.read-model.ts`]: `import { Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import { type DB, TransactionRunner } from '@app/platform';
import { ${s.pascal}ReadModel, type ${a.pascal}View } from '../ports/${s.kebab}.read-model.js';

${rowMapper('toView', n.readProjection.snake, `${a.pascal}View`)}

/** ${n.readProjection.snake} through Kysely. */
@Injectable()
export class Kysely${s.pascal}ReadModel extends ${s.pascal}ReadModel {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  async get(id: string, ownerId: string): Promise<${a.pascal}View | null> {
    const r = await this.transactions.db.selectFrom('${n.readProjection.snake}').selectAll().where('id', '=', id).where('owner_id', '=', ownerId).executeTakeFirst();
    return r ? toView(r) : null;
  }
}
`,
    [`adapters/${s.kebab}-persistence.int-spec.ts`]: persistenceSpec(n),
    ...prefix('application/commands/' + create + '/', createCommandFiles(n)),
    ...prefix('application/queries/' + get + '/', getQueryFiles(n)),
    ...projectionFiles(n, n.readProjection),
    [`http/${a.kebab}.request.ts`]: `import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { TITLE_MAX } from '../domain/${a.kebab}.js';

export class Create${a.pascal}Request {
  @ApiProperty({ minLength: 1, maxLength: TITLE_MAX, example: 'A first ${a.kebab}' })
  @IsString()
  @Length(1, TITLE_MAX)
  title!: string;
}
`,
    [`http/${a.kebab}.response.ts`]: `import { ApiProperty } from '@nestjs/swagger';

export class ${a.pascal}Response {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ description: 'The write version: 1 when created, one more per change.' }) version!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static of(c: { id: string; title: string; version: number; createdAt: Date; updatedAt: Date }): ${a.pascal}Response {
    return { id: c.id, title: c.title, version: c.version, createdAt: c.createdAt.toISOString(), updatedAt: c.updatedAt.toISOString() };
  }
}
`,
    [`http/${s.kebab}.controller.ts`]: `import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated, CurrentUser, type AuthenticatedUser } from '@app/access';
import { ConsistentRead } from '@app/events';
import { API_PREFIX, Idempotent, ValidBody } from '@app/platform';
import { DomainError } from '@app/shared-kernel';
import { Create${a.pascal}Command } from '../application/commands/${create}/${create}.handler.js';
import { Get${a.pascal}Query } from '../application/queries/${get}/${get}.handler.js';
import { Create${a.pascal}Request } from './${a.kebab}.request.js';
import { ${a.pascal}Response } from './${a.kebab}.response.js';

/** A path id that is not a UUID names no ${a.kebab}: 404, like any unknown id. */
function notFound(): DomainError {
  return new DomainError('not_found', '${n.notFoundCode}', 'No such ${a.kebab}.');
}

@ApiTags('${s.kebab}')
@Authenticated()
@Controller('${s.kebab}')
export class ${s.pascal}Controller {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Idempotent()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a ${a.kebab}; Location points at it' })
  @ApiCreatedResponse({ type: ${a.pascal}Response, description: 'The ${a.kebab} as written.' })
  @ApiUnprocessableEntityResponse({ description: 'validation-failed, with errors[].' })
  async create(@CurrentUser() user: AuthenticatedUser, @ValidBody() body: Create${a.pascal}Request, @Res({ passthrough: true }) reply: FastifyReply): Promise<${a.pascal}Response> {
    const ${a.camel} = await this.commands.execute(new Create${a.pascal}Command(user.id, body.title));
    reply.header('location', \`/\${API_PREFIX}/${s.kebab}/\${${a.camel}.id}\`);
    return ${a.pascal}Response.of(${a.camel});
  }

  @Get(':id')
  @ConsistentRead('${n.readProjection.snake}')
  @ApiOperation({ summary: 'One of the caller\\'s ${s.kebab} (from ${n.readProjection.snake}); honours X-Consistency-Token' })
  @ApiOkResponse({ type: ${a.pascal}Response })
  @ApiNotFoundResponse({ description: '${n.notFoundCode}: no such ${a.kebab}, or not yours.' })
  async get(@CurrentUser() user: AuthenticatedUser, @Param('id', new ParseUUIDPipe({ exceptionFactory: notFound })) id: string): Promise<${a.pascal}Response> {
    return ${a.pascal}Response.of(await this.queries.execute(new Get${a.pascal}Query(user.id, id)));
  }
}
`,
    [`http/${s.kebab}.e2e-spec.ts`]: e2eSpec(n),
  };
}

/**
 * The slice's tables (the write table, each read table) have the same columns: `rowInterface` is
 * a row as its port speaks of it (camelCase), `rowMapper` the adapter's function from the table's
 * row to it.
 */
function rowInterface(doc: string, name: string): string {
  return `/** ${doc} */
export interface ${name} {
  id: string;
  ownerId: string;
  title: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}`;
}

function rowMapper(name: string, table: string, type: string): string {
  return `const ${name} = (r: Selectable<DB['${table}']>): ${type} => ({
  id: r.id,
  ownerId: r.owner_id,
  title: r.title,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});`;
}

function prefix(dir: string, files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([file, text]) => [dir + file, text]));
}

/** The schema.prisma section of a new slice: its write table and its main read table. */
export function sliceSchema(n: SliceNames): string {
  return `
// ---------------------------------------------------------------------------------------------
// ${n.slice.pascal}: \`${n.writeTable}\` is the write table (the ${n.aggregate.kebab} aggregate's state and version);
// \`${n.readProjection.snake}\` is the read model its projector keeps from the ${n.aggregate.snake}.* events.
// ---------------------------------------------------------------------------------------------
${tableModel(n.writeModel, n.writeTable, '[ownerId]')}${projectionSchema(n, n.readProjection, n.readModel)}`;
}

function persistenceSpec(n: SliceNames): string {
  const { slice: s, aggregate: a } = n;
  const create = `create-${a.kebab}`;
  return `import { randomUUID } from 'node:crypto';
import { CommandBus } from '@nestjs/cqrs';
import pg from 'pg';
import type { StoredEvent } from '@app/events';
import { TransactionRunner } from '@app/platform';
import { startTestContext, type TestContext } from '../../../../test/support/test-context';
import { Create${a.pascal}Command } from '../application/commands/${create}/${create}.handler';
import type { ${a.pascal}State } from '../domain/${a.kebab}';
import { ${a.pascal}Repository } from '../ports/${a.kebab}.repository';
import { ${s.pascal}ReadModel } from '../ports/${s.kebab}.read-model';
import { ${n.readProjection.pascal}Projector } from '../projections/${n.readProjection.kebab}.projector';
import { ${s.pascal}Module, ${s.pascal}WorkerModule } from '../${s.kebab}.module';

/** The slice's adapters on the real PostgreSQL: the write table, the projector and the read table. */
describe('${s.kebab} persistence', () => {
  let t: TestContext;
  let pool: pg.Pool;
  beforeAll(async () => {
    t = await startTestContext([${s.pascal}Module, ${s.pascal}WorkerModule]);
    pool = t.app.get(pg.Pool);
  }, 60_000);
  afterAll(() => t?.close());

  const create = (ownerId: string, title = 'First'): Promise<${a.pascal}State> => t.app.get(CommandBus).execute(new Create${a.pascal}Command(ownerId, title));

  async function eventsOf(id: string): Promise<StoredEvent[]> {
    const { rows } = await pool.query('SELECT * FROM events WHERE aggregate_id = $1 ORDER BY aggregate_version', [id]);
    return rows.map((r) => ({ id: r.id, position: BigInt(r.position), aggregateType: r.aggregate_type, aggregateId: r.aggregate_id, aggregateVersion: r.aggregate_version, type: r.type, payload: r.payload, metadata: r.metadata, occurredAt: r.occurred_at }));
  }

  it('the create command writes the row and its event in one transaction', async () => {
    const owner = randomUUID();
    const created = await create(owner);
    const { rows } = await pool.query('SELECT owner_id, title, version FROM ${n.writeTable} WHERE id = $1', [created.id]);
    expect(rows).toEqual([{ owner_id: owner, title: 'First', version: 1 }]);
    expect((await eventsOf(created.id)).map((e) => [e.type, e.aggregateVersion, e.payload])).toEqual([['${a.snake}.created', 1, { ownerId: owner, title: 'First', createdAt: created.createdAt.toISOString() }]]);
  });

  it('a refused command writes nothing', async () => {
    const owner = randomUUID();
    await expect(create(owner, '  ')).rejects.toMatchObject({ code: 'validation-failed' });
    expect((await pool.query('SELECT count(*)::int AS n FROM ${n.writeTable} WHERE owner_id = $1', [owner])).rows[0].n).toBe(0);
  });

  it('the repository finds only the owner\\'s row, and an update from a stale version is a conflict', async () => {
    const owner = randomUUID();
    const created = await create(owner);
    const repository = t.app.get(${a.pascal}Repository);
    const transactions = t.app.get(TransactionRunner);
    expect(await transactions.run(() => repository.findOwned(created.id, randomUUID()))).toBeNull();
    const found = await transactions.run(() => repository.findOwned(created.id, owner));
    expect(found).toEqual(created);
    const next = { ...created, title: 'Second', version: 2, updatedAt: new Date() };
    await transactions.run(() => repository.update(next, 1));
    await expect(transactions.run(() => repository.update({ ...next, version: 3 }, 1))).rejects.toMatchObject({ code: 'concurrent-modification' });
    expect(await transactions.run(() => repository.findOwned(created.id, owner))).toEqual(next);
  });

  it('the projector keeps ${n.readProjection.snake}, which the read model serves to the owner only; reset empties it', async () => {
    const owner = randomUUID();
    const created = await create(owner);
    const projector = t.app.get(${n.readProjection.pascal}Projector);
    const transactions = t.app.get(TransactionRunner);
    for (const event of await eventsOf(created.id)) await transactions.run(() => projector.handle(event));
    const read = t.app.get(${s.pascal}ReadModel);
    expect(await read.get(created.id, owner)).toEqual({ id: created.id, ownerId: owner, title: 'First', version: 1, createdAt: created.createdAt, updatedAt: created.updatedAt });
    expect(await read.get(created.id, randomUUID())).toBeNull();
    await transactions.run(() => projector.reset());
    expect(await read.get(created.id, owner)).toBeNull();
  });
});
`;
}

function e2eSpec(n: SliceNames): string {
  const { slice: s, aggregate: a } = n;
  return `import { randomUUID } from 'node:crypto';
import { bearer } from '../../../../test/support/auth';
import { startTestApp, type TestApp } from '../../../../test/support/test-app';

/** The ${s.kebab} routes against the real app, with the worker (projectors) running in the API. */
let t: TestApp;
let alice: { authorization: string };
let bob: { authorization: string };
beforeAll(async () => {
  t = await startTestApp({ RUN_WORKER_IN_API: 'true' });
  alice = bearer(t.app);
  bob = bearer(t.app);
}, 60_000);
afterAll(() => t?.close());

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(\`\${t.baseUrl}/api/v1\${path}\`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

describe('/api/v1/${s.kebab}', () => {
  it('POST creates (201, Location); GET with the consistency token reads it back from ${n.readProjection.snake}', async () => {
    const created = await call('POST', '/${s.kebab}', alice, { title: '  First  ' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), title: 'First', version: 1, createdAt: expect.any(String), updatedAt: created.body.createdAt });
    expect(created.headers.get('location')).toBe(\`/api/v1/${s.kebab}/\${created.body.id}\`);
    const token = created.headers.get('x-consistency-token');
    expect(token).toBeTruthy();
    const read = await call('GET', \`/${s.kebab}/\${created.body.id}\`, { ...alice, 'x-consistency-token': token! });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
  });

  it('a retry with the same Idempotency-Key is answered from the first request, not created twice', async () => {
    const key = randomUUID();
    const first = await call('POST', '/${s.kebab}', { ...alice, 'idempotency-key': key }, { title: 'Once' });
    const again = await call('POST', '/${s.kebab}', { ...alice, 'idempotency-key': key }, { title: 'Once' });
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
  });

  it("404 problem+json for another user's ${a.kebab}, an unknown id and an id that is not a UUID", async () => {
    const created = await call('POST', '/${s.kebab}', alice, { title: 'Mine' });
    const token = created.headers.get('x-consistency-token')!;
    for (const [who, id] of [[bob, created.body.id], [alice, randomUUID()], [alice, 'not-a-uuid']] as const) {
      const res = await call('GET', \`/${s.kebab}/\${id}\`, { ...who, 'x-consistency-token': token });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\\/problem\\+json/);
      expect(res.body.code).toBe('${n.notFoundCode}');
    }
  });

  it('422 validation-failed naming the field for a missing or too long title; 401 without a token', async () => {
    for (const body of [{}, { title: 'x'.repeat(201) }, { title: 42 }]) {
      const res = await call('POST', '/${s.kebab}', alice, body);
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'validation-failed', errors: expect.arrayContaining([expect.objectContaining({ field: 'title' })]) });
    }
    expect((await call('POST', '/${s.kebab}', {}, { title: 'No token' })).status).toBe(401);
  });
});
`;
}
