import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { CommandBus } from '@nestjs/cqrs';
import { UserCredentials } from '@app/access';
import { EventStore } from '@app/events';
import { TransactionRunner } from '@app/platform';
import { DomainError, UnitOfWork } from '@app/shared-kernel';
import { startTestContext, type TestContext } from '../../../../test/support/test-context';
import { GrantAdminCommand } from '../application/commands/grant-admin/grant-admin.command';
import { SignUpCommand } from '../application/commands/sign-up/sign-up.command';
import type { User } from '../domain/user';
import { PasswordHasher } from '../ports/password-hasher';
import { UserRepository } from '../ports/user.repository';
import { UsersReadModel } from '../ports/users.read-model';
import { UsersReadProjector } from '../projections/users-read/users-read.projector';
import { SignupProjectionsModule } from '../signup-projections.module';
import { SignupModule } from '../signup.module';

let t: TestContext;
let pool: pg.Pool;
beforeAll(async () => {
  t = await startTestContext([SignupModule, SignupProjectionsModule], {
    BCRYPT_COST: '4',
    ADMIN_EMAILS: 'configured@example.test',
  });
  pool = t.app.get(pg.Pool);
});
afterAll(() => t?.close());

const user = (email: string): User => ({
  id: randomUUID(),
  name: 'N',
  email,
  emailNormalized: email.toLowerCase(),
  displayName: null,
  passwordHash: 'h',
  role: 'user',
  createdAt: new Date(),
});

describe('KyselyUserRepository', () => {
  it('adds and finds by normalised email and id', async () => {
    const repo = t.app.get(UserRepository);
    const u = user(`Find-${randomUUID()}@Example.test`);
    await t.app.get(UnitOfWork).run(() => repo.add(u));
    expect(await repo.byEmail(u.emailNormalized)).toEqual({ ...u, createdAt: expect.any(Date) });
    expect((await repo.byId(u.id))?.email).toBe(u.email);
    expect(await repo.emailTaken(u.emailNormalized)).toBe(true);
    expect(await repo.byEmail('nobody@example.test')).toBeNull();
  });

  it('maps the unique index to an email-taken conflict, also for concurrent inserts', async () => {
    const repo = t.app.get(UserRepository);
    const email = `race-${randomUUID()}@example.test`;
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => t.app.get(UnitOfWork).run(() => repo.add(user(email)))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect(r.reason).toBeInstanceOf(DomainError);
      expect(r.reason).toMatchObject({ kind: 'conflict', code: 'email-taken' });
    }
  });
});

describe('signup command through the real bus', () => {
  it('writes the row and the event in one transaction: a failing event append leaves no user', async () => {
    const email = `atomic-${randomUUID()}@example.test`;
    const store = t.app.get(EventStore);
    const original = store.append.bind(store);
    store.append = async () => {
      throw new Error('log unavailable');
    };
    try {
      await expect(t.app.get(CommandBus).execute(new SignUpCommand('A', email, 'long enough'))).rejects.toThrow(
        'log unavailable',
      );
    } finally {
      store.append = original;
    }
    expect((await pool.query(`SELECT 1 FROM users WHERE email_normalized = $1`, [email])).rowCount).toBe(0);
    const created = await t.app.get(CommandBus).execute(new SignUpCommand('A', email, 'long enough'));
    expect((await pool.query(`SELECT type FROM events WHERE aggregate_id = $1`, [created.id])).rows).toEqual([
      { type: 'user.signed_up' },
    ]);
  });
});

describe('credentials and roles', () => {
  it('verifies passwords, answers null alike for unknown emails, and adds admin from config or grant-admin', async () => {
    const bus = t.app.get(CommandBus);
    const credentials = t.app.get(UserCredentials);
    const plain = await bus.execute(new SignUpCommand('P', `Plain-${randomUUID()}@example.test`, 'long enough'));
    expect(await credentials.verify(` ${plain.email.toUpperCase()}`, 'long enough')).toEqual({
      id: plain.id,
      email: plain.email,
      roles: ['user'],
    });
    expect(await credentials.verify(plain.email, 'wrong password')).toBeNull();
    expect(await credentials.verify('nobody@example.test', 'long enough')).toBeNull();
    expect(await credentials.verify(plain.email, 'long enough' + 'x'.repeat(70))).toBeNull();

    const configured = await bus.execute(new SignUpCommand('C', 'Configured@Example.test', 'long enough'));
    expect((await credentials.byId(configured.id))?.roles).toEqual(['user', 'admin']);

    expect(await bus.execute(new GrantAdminCommand(plain.email.toUpperCase()))).toEqual({
      userId: plain.id,
      alreadyAdmin: false,
    });
    expect(await bus.execute(new GrantAdminCommand(plain.email))).toEqual({ userId: plain.id, alreadyAdmin: true });
    expect((await credentials.byId(plain.id))?.roles).toEqual(['user', 'admin']);
    expect(
      (await pool.query(`SELECT type FROM events WHERE aggregate_id = $1 ORDER BY position`, [plain.id])).rows.map(
        (r) => r.type,
      ),
    ).toEqual(['user.signed_up', 'user.role_granted']);
    await expect(bus.execute(new GrantAdminCommand('nobody@example.test'))).rejects.toMatchObject({
      kind: 'not_found',
    });
  });

  it('an unknown email costs about as much as a wrong password (one bcrypt comparison)', async () => {
    const slow = await startTestContext([SignupModule], { BCRYPT_COST: '9' });
    try {
      const credentials = slow.app.get(UserCredentials);
      const u = await slow.app
        .get(CommandBus)
        .execute(new SignUpCommand('T', `timing-${randomUUID()}@example.test`, 'long enough'));
      await credentials.verify('warm-up@example.test', 'x'); // the dummy hash is prepared once
      // Interleaved samples, so that load from other suites hits both sides alike.
      const samples = { wrong: [] as number[], unknown: [] as number[] };
      for (let i = 0; i < 7; i++) {
        for (const [side, address] of [
          ['wrong', u.email],
          ['unknown', 'unknown@example.test'],
        ] as const) {
          const started = performance.now();
          await credentials.verify(address, 'wrong password');
          samples[side].push(performance.now() - started);
        }
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[3];
      // Without the dummy comparison an unknown email would answer in ~1 ms against tens of ms.
      expect(median(samples.unknown)).toBeGreaterThan(median(samples.wrong) / 3);
      expect(median(samples.unknown)).toBeLessThan(median(samples.wrong) * 3);
    } finally {
      await slow.close();
    }
  }, 30_000);
});

describe('BcryptPasswordHasher', () => {
  it('hashes with the configured cost and verifies', async () => {
    const hasher = t.app.get(PasswordHasher);
    const hash = await hasher.hash('pässwörd-1');
    expect(hash).toMatch(/^\$2b\$04\$/);
    expect(await hasher.verify('pässwörd-1', hash)).toBe(true);
    expect(await hasher.verify('pässwörd-2', hash)).toBe(false);
  });
});

describe('users_read projector (real PostgreSQL)', () => {
  it('projects signups and keeps task counts from hand-appended task events; reset empties it', async () => {
    const bus = t.app.get(CommandBus);
    const projector = t.app.get(UsersReadProjector);
    const transactions = t.app.get(TransactionRunner);
    const owner = await bus.execute(
      new SignUpCommand('Owner', `owner-${randomUUID()}@example.test`, 'long enough', 'O'),
    );
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await t.app.get(UnitOfWork).run(() =>
      t.app.get(EventStore).append([
        {
          type: 'task.created',
          aggregateType: 'task',
          aggregateId: a,
          aggregateVersion: 1,
          payload: { ownerId: owner.id, title: 'a', priority: 'high', status: 'pending', dueDate: null },
        },
        {
          type: 'task.created',
          aggregateType: 'task',
          aggregateId: b,
          aggregateVersion: 1,
          payload: { ownerId: owner.id, title: 'b', priority: 'low', status: 'pending', dueDate: null },
        },
        {
          type: 'task.created',
          aggregateType: 'task',
          aggregateId: c,
          aggregateVersion: 1,
          payload: { ownerId: owner.id, title: 'c', priority: 'low', status: 'pending', dueDate: null },
        },
        {
          type: 'task.status_changed',
          aggregateType: 'task',
          aggregateId: a,
          aggregateVersion: 2,
          payload: { ownerId: owner.id, from: 'pending', to: 'in_progress' },
        },
        {
          type: 'task.status_changed',
          aggregateType: 'task',
          aggregateId: a,
          aggregateVersion: 3,
          payload: { ownerId: owner.id, from: 'in_progress', to: 'completed' },
        },
        {
          type: 'task.status_changed',
          aggregateType: 'task',
          aggregateId: b,
          aggregateVersion: 2,
          payload: { ownerId: owner.id, from: 'pending', to: 'cancelled' },
        },
        {
          type: 'task.deleted',
          aggregateType: 'task',
          aggregateId: b,
          aggregateVersion: 3,
          payload: { ownerId: owner.id, status: 'cancelled' },
        },
      ]),
    );
    const { rows } = await pool.query(
      `SELECT id, type, payload, position FROM events WHERE type = ANY($1) ORDER BY position`,
      [projector.eventTypes],
    );
    for (const event of rows) await transactions.run(() => projector.handle(event));

    expect(await t.app.get(UsersReadModel).byId(owner.id)).toEqual({
      id: owner.id,
      name: 'Owner',
      email: owner.email,
      displayName: 'O',
      createdAt: owner.createdAt,
      taskCounts: { pending: 1, in_progress: 0, completed: 1, cancelled: 0 },
    });

    // The engine rolls back a failed batch: a change made inside a rolled-back transaction is gone.
    await expect(
      transactions.run(async () => {
        await projector.handle({ type: 'task.created', payload: { ownerId: owner.id, status: 'pending' } } as never);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect((await t.app.get(UsersReadModel).byId(owner.id))?.taskCounts.pending).toBe(1);

    await transactions.run(() => projector.reset());
    expect(await t.app.get(UsersReadModel).byId(owner.id)).toBeNull();
  });
});
