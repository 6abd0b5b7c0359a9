import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import { DomainError } from '@app/shared-kernel';
import { type DB, isUniqueViolation, TransactionRunner } from '@app/platform';
import type { User, UserRole } from '../domain/user.js';
import { UserRepository } from '../ports/user.repository.js';

const toUser = (r: Selectable<DB['users']>): User => ({
  id: r.id,
  name: r.name,
  email: r.email,
  emailNormalized: r.email_normalized,
  displayName: r.display_name,
  passwordHash: r.password_hash,
  role: r.role,
  createdAt: r.created_at,
});

/** The `users` table through Kysely; joins the open unit of work when there is one. */
@Injectable()
export class KyselyUserRepository extends UserRepository {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  nextId(): string {
    return randomUUID();
  }

  async emailTaken(emailNormalized: string): Promise<boolean> {
    const taken = await this.transactions.db
      .selectFrom('users')
      .select('id')
      .where('email_normalized', '=', emailNormalized)
      .executeTakeFirst();
    return taken !== undefined;
  }

  async add(user: User): Promise<void> {
    try {
      await this.transactions.db
        .insertInto('users')
        .values({
          id: user.id,
          name: user.name,
          email: user.email,
          email_normalized: user.emailNormalized,
          display_name: user.displayName,
          password_hash: user.passwordHash,
          role: user.role,
          created_at: user.createdAt,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw emailTaken();
      throw err;
    }
  }

  async byEmail(emailNormalized: string): Promise<User | null> {
    const r = await this.transactions.db
      .selectFrom('users')
      .selectAll()
      .where('email_normalized', '=', emailNormalized)
      .executeTakeFirst();
    return r ? toUser(r) : null;
  }

  async byId(id: string): Promise<User | null> {
    const r = await this.transactions.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toUser(r) : null;
  }

  async setRole(id: string, role: UserRole): Promise<void> {
    await this.transactions.db.updateTable('users').set({ role }).where('id', '=', id).execute();
  }
}

export function emailTaken(): DomainError {
  return new DomainError('conflict', 'email-taken', 'An account with this email already exists.');
}
