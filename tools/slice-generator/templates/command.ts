import type { CommandNames, SliceNames } from '../slice-names.js';
import { messageClass } from './message.js';

/** The create command of a new slice, in application/commands/create-<aggregate>/: one file, the command and its handler. */
export function createCommandFiles(n: SliceNames): Record<string, string> {
  const a = n.aggregate;
  const create = `create-${a.kebab}`;
  return {
    [`${create}.handler.ts`]: `import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock, UnitOfWork } from '@app/shared-kernel';
import { EventStore } from '@app/events/ports';
import { ${a.pascal}, type ${a.pascal}State } from '../../../domain/${a.kebab}.js';
import { ${a.pascal}Repository } from '../../../ports/${a.kebab}.repository.js';

${messageClass(`Creates a ${a.kebab} owned by the caller; returns it as written.`, `Create${a.pascal}Command`, `Command<${a.pascal}State>`, ['ownerId: string', 'title: string'])}

/**
 * One transaction: the row and its events commit together, and the command bus records what the
 * unit of work returned (with the Idempotency-Key, docs/decisions/0031), so return that value.
 */
@CommandHandler(Create${a.pascal}Command)
export class Create${a.pascal}Handler implements ICommandHandler<Create${a.pascal}Command> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly ${n.slice.camel}: ${a.pascal}Repository,
    private readonly events: EventStore,
    private readonly clock: Clock,
  ) {}

  execute(cmd: Create${a.pascal}Command): Promise<${a.pascal}State> {
    return this.uow.run(async () => {
      const { ${a.camel}, events } = ${a.pascal}.create({ id: this.${n.slice.camel}.nextId(), ownerId: cmd.ownerId, title: cmd.title, now: this.clock.now() });
      const state = ${a.camel}.snapshot();
      await this.${n.slice.camel}.insert(state);
      await this.events.append(events);
      return state;
    });
  }
}
`,
  };
}

/**
 * A command on one existing aggregate (`<verb>-<noun>`): its handler file, which declares the
 * command too, and an integration test that sends it through the real command bus.
 */
export function commandFiles(n: SliceNames, c: CommandNames): Record<string, string> {
  const a = n.aggregate;
  const u = c.useCase;
  const create = `create-${a.kebab}`;
  return {
    [`${u.kebab}.handler.ts`]: `import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock, DomainError, UnitOfWork } from '@app/shared-kernel';
import { EventStore } from '@app/events/ports';
import { ${a.pascal}, type ${a.pascal}State } from '../../../domain/${a.kebab}.js';
import { ${a.pascal}Repository } from '../../../ports/${a.kebab}.repository.js';

${messageClass(`${u.pascal}: changes one of the caller's ${n.slice.kebab}; returns it as written.`, `${u.pascal}Command`, `Command<${a.pascal}State>`, ['ownerId: string', `${a.camel}Id: string`])}

/** Loads the caller's ${a.kebab} (locked), applies ${a.pascal}.${c.verb.camel}, writes the row and the events in one transaction. */
@CommandHandler(${u.pascal}Command)
export class ${u.pascal}Handler implements ICommandHandler<${u.pascal}Command> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly ${n.slice.camel}: ${a.pascal}Repository,
    private readonly events: EventStore,
    private readonly clock: Clock,
  ) {}

  execute(cmd: ${u.pascal}Command): Promise<${a.pascal}State> {
    return this.uow.run(async () => {
      const found = await this.${n.slice.camel}.findOwned(cmd.${a.camel}Id, cmd.ownerId);
      if (!found) throw new DomainError('not_found', '${n.notFoundCode}', \`${a.pascal} \${cmd.${a.camel}Id} does not exist.\`);
      const ${a.camel} = ${a.pascal}.restore(found);
      const events = ${a.camel}.${c.verb.camel}(this.clock.now());
      const state = ${a.camel}.snapshot();
      await this.${n.slice.camel}.update(state, found.version);
      await this.events.append(events);
      return state;
    });
  }
}
`,
    [`${u.kebab}.handler.int-spec.ts`]: `import { randomUUID } from 'node:crypto';
import { CommandBus } from '@nestjs/cqrs';
import pg from 'pg';
import { startTestContext, type TestContext } from '../../../../../../test/support/test-context';
import type { ${a.pascal}State } from '../../../domain/${a.kebab}';
import { ${n.slice.pascal}Module } from '../../../${n.slice.kebab}.module';
import { Create${a.pascal}Command } from '../${create}/${create}.handler';
import { ${u.pascal}Command } from './${u.kebab}.handler';

describe('${u.pascal}Command through the command bus', () => {
  let t: TestContext;
  let bus: CommandBus;
  beforeAll(async () => {
    t = await startTestContext([${n.slice.pascal}Module]);
    bus = t.app.get(CommandBus);
  }, 60_000);
  afterAll(() => t?.close());

  it('writes the next version and its ${c.eventType} event in one transaction', async () => {
    const owner = randomUUID();
    const created: ${a.pascal}State = await bus.execute(new Create${a.pascal}Command(owner, 'First'));
    const changed: ${a.pascal}State = await bus.execute(new ${u.pascal}Command(owner, created.id));
    expect(changed).toMatchObject({ id: created.id, version: 2 });
    const pool = t.app.get(pg.Pool);
    expect((await pool.query('SELECT version FROM ${n.writeTable} WHERE id = $1', [created.id])).rows).toEqual([{ version: 2 }]);
    const { rows } = await pool.query('SELECT type, aggregate_version, payload FROM events WHERE aggregate_id = $1 ORDER BY aggregate_version', [created.id]);
    expect(rows.map((r) => [r.type, r.aggregate_version])).toEqual([['${a.snake}.created', 1], ['${c.eventType}', 2]]);
    expect(rows[1].payload).toEqual({ ownerId: owner, ${c.timeField}: changed.updatedAt.toISOString() });
  });

  it("is a 404 ${n.notFoundCode} for another user's ${a.kebab}, and writes nothing", async () => {
    const created: ${a.pascal}State = await bus.execute(new Create${a.pascal}Command(randomUUID(), 'First'));
    await expect(bus.execute(new ${u.pascal}Command(randomUUID(), created.id))).rejects.toMatchObject({ kind: 'not_found', code: '${n.notFoundCode}' });
    expect((await t.app.get(pg.Pool).query('SELECT version FROM ${n.writeTable} WHERE id = $1', [created.id])).rows).toEqual([{ version: 1 }]);
  });
});
`,
  };
}

/** The aggregate method a new command calls: bumps the version and returns its event. */
export function commandMethod(n: SliceNames, c: CommandNames): string {
  const a = n.aggregate;
  return `/** ${c.useCase.pascal}: what it checks and changes is yours to write; it records the change as ${c.eventType}. */
${c.verb.camel}(now: Date): ${a.pascal}Event[] {
  this.state.version += 1;
  this.state.updatedAt = now;
  return [
    {
      type: '${c.eventType}',
      aggregateType: ${a.constant}_AGGREGATE,
      aggregateId: this.state.id,
      aggregateVersion: this.state.version,
      payload: { ownerId: this.state.ownerId, ${c.timeField}: now.toISOString() },
    },
  ];
}`;
}

/** The payload interface of a new command's event. */
export function commandPayload(c: CommandNames): string {
  return `
export interface ${c.payload} {
  ownerId: string;
  ${c.timeField}: string;
}
`;
}
