import type { Name } from '../names.js';
import type { CommandNames, SliceNames } from '../slice-names.js';

/**
 * A projection of the slice's aggregate events into a read table of its own (one row per
 * aggregate): the pure functions, the projector that applies them in the engine's transaction,
 * and a unit test of the functions. `p` names it (comments-read: table comments_read).
 */
export function projectionFiles(n: SliceNames, p: Name): Record<string, string> {
  const a = n.aggregate;
  const rowType = `${p.pascal}Row`;
  return {
    [`projections/${p.kebab}.projection.ts`]: `import type { Selectable } from 'kysely';
import type { DB } from '@app/platform';
import type { ${a.pascal}Event } from '../domain/${a.kebab}.js';

/** A row of ${p.snake}, typed from schema.prisma. */
export type ${rowType} = Selectable<DB['${p.snake}']>;

type Apply<E extends ${a.pascal}Event> = (row: ${rowType} | null, event: E) => ${rowType} | null;

/**
 * ${p.snake} as pure functions, one per event type: the row before the event (null when there is
 * none) in, the row after it out (null: no row). Every event type of the aggregate needs one, so a
 * new event does not compile until the projection says what it does to the row.
 */
const APPLY: { [T in ${a.pascal}Event['type']]: Apply<Extract<${a.pascal}Event, { type: T }>> } = {
  '${a.snake}.created': (row, e) =>
    row ?? { id: e.aggregateId, owner_id: e.payload.ownerId, title: e.payload.title, version: e.aggregateVersion, created_at: new Date(e.payload.createdAt), updated_at: new Date(e.payload.createdAt) },
};

export const ${p.constant}_EVENT_TYPES = Object.keys(APPLY) as ${a.pascal}Event['type'][];

/** The row after \`event\`. Other types, and an event the row already reflects (a replay), leave it as it is. */
export function project${p.pascal}(row: ${rowType} | null, event: { type: string; aggregateVersion: number }): ${rowType} | null {
  if (!Object.hasOwn(APPLY, event.type)) return row;
  if (row && event.aggregateVersion <= row.version) return row;
  const apply = APPLY[event.type as ${a.pascal}Event['type']] as Apply<${a.pascal}Event>;
  return apply(row, event as ${a.pascal}Event);
}
`,
    [`projections/${p.kebab}.projection.spec.ts`]: `import type { ${a.pascal}Event } from '../domain/${a.kebab}';
import { project${p.pascal}, type ${rowType} } from './${p.kebab}.projection';

const ID = '11111111-1111-4111-8111-111111111111';
const OWNER = '22222222-2222-4222-8222-222222222222';
const created: ${a.pascal}Event = {
  type: '${a.snake}.created', aggregateType: '${a.snake}', aggregateId: ID, aggregateVersion: 1,
  payload: { ownerId: OWNER, title: 'First', createdAt: '2026-01-02T03:04:05.000Z' },
};
const fold = (events: { type: string; aggregateVersion: number }[]) => events.reduce<${rowType} | null>(project${p.pascal}, null);

describe('${p.snake} projection', () => {
  it('makes the row from ${a.snake}.created', () => {
    const at = new Date('2026-01-02T03:04:05.000Z');
    expect(fold([created])).toEqual({ id: ID, owner_id: OWNER, title: 'First', version: 1, created_at: at, updated_at: at });
  });

  it('ignores a replayed event and events of other types', () => {
    expect(fold([created, { ...created, payload: { ...created.payload, title: 'Again' } }, { type: 'other.thing', aggregateVersion: 9 }])).toEqual(fold([created]));
  });
});
`,
    [`projections/${p.kebab}.projector.ts`]: `import { Injectable } from '@nestjs/common';
import { EventConsumer, Projector, type StoredEvent } from '@app/events';
import { TransactionRunner } from '@app/platform';
import { ${p.constant}_EVENT_TYPES, project${p.pascal} } from './${p.kebab}.projection.js';

/**
 * Keeps ${p.snake} from the ${a.snake}.* events, inside the engine's transaction (its checkpoint
 * moves in the same one): reads the row the event changes, applies the pure projection, writes
 * the result.
 */
@EventConsumer()
@Injectable()
export class ${p.pascal}Projector extends Projector {
  readonly name = '${p.snake}';
  readonly eventTypes = ${p.constant}_EVENT_TYPES;

  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  async handle(event: StoredEvent): Promise<void> {
    const db = this.transactions.db;
    const before = (await db.selectFrom('${p.snake}').selectAll().where('id', '=', event.aggregateId).forUpdate().executeTakeFirst()) ?? null;
    const after = project${p.pascal}(before, event);
    if (after === before) return;
    if (!after) {
      await db.deleteFrom('${p.snake}').where('id', '=', event.aggregateId).execute();
      return;
    }
    await db
      .insertInto('${p.snake}')
      .values(after)
      .onConflict((conflict) => conflict.column('id').doUpdateSet(after))
      .execute();
  }

  async reset(): Promise<void> {
    await this.transactions.db.deleteFrom('${p.snake}').execute();
  }
}
`,
  };
}

/** The schema.prisma model of a projection's table. */
export function projectionSchema(n: SliceNames, p: Name, model: string): string {
  return `
/// Kept by the ${p.snake} projector (libs/${n.slice.kebab}/src/projections/${p.kebab}.projector.ts) from the ${n.aggregate.snake}.* events.
${tableModel(model, p.snake, '[ownerId, createdAt, id]')}`;
}

/**
 * The schema.prisma model of one of a generated slice's tables: the write table and every read
 * table have the same columns, and each its own index.
 */
export function tableModel(model: string, table: string, index: string): string {
  return `model ${model} {
  id        String   @id @db.Uuid
  ownerId   String   @map("owner_id") @db.Uuid
  title     String
  version   Int
  createdAt DateTime @map("created_at") @db.Timestamptz(3)
  updatedAt DateTime @map("updated_at") @db.Timestamptz(3)

  @@index(${index})
  @@map("${table}")
}
`;
}

/** What a new command's event does to a projection's row: the version and the time move. */
export function projectionEntry(n: SliceNames, c: CommandNames): string {
  return `'${c.eventType}': (row, e) => row && { ...row, version: e.aggregateVersion, updated_at: new Date(e.payload.${c.timeField}) }`;
}
