import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { Injectable, Module } from '@nestjs/common';
import { Command, CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import pg from 'pg';
import { CommitThenRefuse, DomainError, UnitOfWork } from '@app/shared-kernel';
import { startTestContext, type TestContext } from '../../../../test/support/test-context';
import { requestContext } from '../context/request-context';
import { type CommandOutcome } from './command-scope';
import { RecordedCommandBus } from './recorded-command-bus';
import { TransactionRunner } from './transaction-runner';

/** How the probe handler is written, right or wrong. */
type Shape = 'right' | 'outside' | 'instance' | 'two' | 'throws-after' | 'refuses' | 'no-transaction';

class ProbeCommand extends Command<unknown> {
  constructor(
    readonly shape: Shape,
    readonly tag: string,
  ) {
    super();
  }
}

class NotPlain {
  constructor(readonly id: string) {}
}

export const probeCalls = { n: 0 };

@CommandHandler(ProbeCommand)
class ProbeHandler implements ICommandHandler<ProbeCommand> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly transactions: TransactionRunner,
  ) {}

  private write(tag: string) {
    return sql`INSERT INTO bus_probe (id, tag) VALUES (${randomUUID()}::uuid, ${tag})`.execute(this.transactions.db);
  }

  async execute({ shape, tag }: ProbeCommand): Promise<unknown> {
    probeCalls.n += 1;
    switch (shape) {
      case 'right':
        return this.uow.run(async () => {
          await this.write(tag);
          this.transactions.noteConsistencyToken('7.42');
          return { tag, at: new Date(0), n: 1n };
        });
      case 'outside': {
        const id = randomUUID();
        await this.uow.run(() => this.write(tag));
        return { id };
      }
      case 'instance':
        return this.uow.run(async () => {
          await this.write(tag);
          return { nested: new NotPlain('x') };
        });
      case 'two':
        await this.uow.run(() => this.write(tag));
        return this.uow.run(() => this.write(tag));
      case 'throws-after':
        await this.uow.run(() => this.write(tag));
        throw new DomainError('conflict', 'too-late', 'decided after the commit');
      case 'refuses':
        return this.uow.run(async () => {
          await this.write(tag);
          throw new CommitThenRefuse(new DomainError('unauthenticated', 'refused', 'refused, write kept'));
        });
      case 'no-transaction':
        return { computed: tag };
    }
  }
}

/** A provider of another module, as a controller would be: it gets the application's one CommandBus. */
@Injectable()
class SliceUser {
  constructor(readonly commands: CommandBus) {}
}

@Module({ providers: [ProbeHandler, SliceUser] })
class ProbeSliceModule {}

describe('RecordedCommandBus: a command returns what its transaction committed', () => {
  let t: TestContext;
  let bus: CommandBus;
  let pool: pg.Pool;
  const rows = async (tag: string) =>
    Number((await pool.query('SELECT count(*) AS n FROM bus_probe WHERE tag = $1', [tag])).rows[0].n);
  const run = (shape: Shape, tag: string = randomUUID()) => bus.execute(new ProbeCommand(shape, tag));

  beforeAll(async () => {
    t = await startTestContext([ProbeSliceModule]);
    pool = t.app.get(pg.Pool);
    await pool.query('CREATE TABLE bus_probe (id uuid PRIMARY KEY, tag text NOT NULL)');
    bus = t.app.get(SliceUser).commands;
  }, 60_000);
  afterAll(() => t?.close());

  it('is the CommandBus every module injects, and the one the handlers are registered on', async () => {
    expect(bus).toBeInstanceOf(RecordedCommandBus);
    expect(t.app.get(CommandBus)).toBe(bus);
    const tag = randomUUID();
    expect(await run('right', tag)).toEqual({ tag, at: new Date(0), n: 1n });
    expect(await rows(tag)).toBe(1);
  });

  it('fails a handler that returns something computed outside its transaction, on every call', async () => {
    await expect(run('outside')).rejects.toThrow(
      'ProbeCommand: the handler returned a value its transaction did not return',
    );
  });

  it('fails (and rolls back) a transaction whose result is not plain data', async () => {
    const tag = randomUUID();
    await expect(run('instance', tag)).rejects.toThrow(/an instance of NotPlain at result\.nested/);
    expect(await rows(tag)).toBe(0);
  });

  it('fails a command that opens a second transaction', async () => {
    await expect(run('two')).rejects.toThrow(/\(ProbeCommand: a command commits one transaction/);
  });

  it('fails a handler that throws after its transaction committed, unless it is the refusal the transaction committed', async () => {
    await expect(run('throws-after')).rejects.toThrow(
      'ProbeCommand: the handler failed after its transaction committed',
    );
    const tag = randomUUID();
    await expect(run('refuses', tag)).rejects.toMatchObject({ code: 'refused' });
    expect(await rows(tag)).toBe(1);
  });

  it('lets a command that writes nothing return what it computes', async () => {
    expect(await run('no-transaction', 'x')).toEqual({ computed: 'x' });
  });

  it('with a key: records the outcome inside the transaction; a replay returns it without invoking the handler', async () => {
    const recorded: CommandOutcome[] = [];
    const tag = randomUUID();
    const value = await RecordedCommandBus.recording(
      async (db, outcome) => {
        // Inside the transaction: its write is visible here, not yet outside.
        const { rows } = await sql<{ n: bigint }>`SELECT count(*) AS n FROM bus_probe WHERE tag = ${tag}`.execute(db);
        expect(rows[0].n).toBe(1n);
        recorded.push(outcome);
      },
      () => run('right', tag),
    );
    expect(recorded).toEqual([{ value, consistencyToken: '7.42' }]);

    const before = probeCalls.n;
    const context = { requestId: 'r', correlationId: 'c' };
    const replayed = await requestContext.run(context, () =>
      RecordedCommandBus.replaying(recorded[0], () => run('right', tag)),
    );
    expect(replayed).toBe(value);
    expect(probeCalls.n).toBe(before);
    expect(context).toMatchObject({ consistencyToken: '7.42' });
    expect(await rows(tag)).toBe(1);

    const refusal = new DomainError('unauthenticated', 'refused', 'no');
    await expect(RecordedCommandBus.replaying({ refusal }, () => run('right'))).rejects.toBe(refusal);
  });

  it('with a key: refuses a transaction outside any command, and a second command', async () => {
    const record = () => Promise.resolve();
    await expect(
      RecordedCommandBus.recording(record, () => t.app.get(TransactionRunner).run(async () => 1)),
    ).rejects.toThrow(/writes through the CommandBus/);
    await expect(
      RecordedCommandBus.recording(record, async () => {
        await run('no-transaction');
        return run('no-transaction');
      }),
    ).rejects.toThrow('a request with an Idempotency-Key executes one command');
  });
});
