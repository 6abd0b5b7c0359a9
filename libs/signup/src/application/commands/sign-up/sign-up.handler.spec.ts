import type { NewEvent } from '@app/events';
import { DomainError } from '@app/shared-kernel';
import type { User } from '../../../domain/user';
import { SignUpCommand } from './sign-up.command';
import { SignUpHandler } from './sign-up.handler';

function setup(existing: string[] = []) {
  const rows: User[] = [];
  const appended: NewEvent[] = [];
  const users = {
    nextId: () => 'id-1',
    emailTaken: async (e: string) => existing.includes(e),
    add: async (u: User) => void rows.push(u),
  };
  const hasher = { hash: async (p: string) => `hashed(${p})` };
  const events = { append: async (e: NewEvent[]) => void appended.push(...e) };
  const uow = { run: <T>(work: () => Promise<T>) => work() };
  const clock = { now: () => new Date('2026-01-01T00:00:00Z') };
  const handler = new SignUpHandler(users as never, hasher as never, events as never, uow, clock);
  return { handler, rows, appended };
}

describe('SignUpHandler', () => {
  it('stores the user with the hash and appends user.signed_up, returning no hash', async () => {
    const { handler, rows, appended } = setup();
    const result = await handler.execute(new SignUpCommand('Ada', ' Ada@X.io ', 'long enough', 'ada'));
    expect(result).toEqual({
      id: 'id-1',
      name: 'Ada',
      email: 'Ada@X.io',
      displayName: 'ada',
      createdAt: new Date('2026-01-01T00:00:00Z'),
    });
    expect(rows[0]).toMatchObject({ emailNormalized: 'ada@x.io', passwordHash: 'hashed(long enough)' });
    expect(appended.map((e) => e.type)).toEqual(['user.signed_up']);
  });

  it('refuses a taken email (compared normalised) with a conflict, and invalid input with field errors', async () => {
    const { handler } = setup(['ada@x.io']);
    await expect(handler.execute(new SignUpCommand('Ada', 'ADA@x.io', 'long enough'))).rejects.toMatchObject({
      kind: 'conflict',
      code: 'email-taken',
    });
    const err = (await handler.execute(new SignUpCommand('', 'x', 'short')).catch((e: unknown) => e)) as DomainError;
    expect(err.kind).toBe('invalid');
    expect(err.details.errors?.map((e) => e.field)).toEqual(['name', 'email', 'password']);
  });
});
