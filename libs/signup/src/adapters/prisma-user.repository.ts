import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/shared-kernel';
import { isUniqueViolation, TransactionRunner } from '@app/platform';
import type { User, UserRole } from '../domain/user.js';
import { UserRepository } from '../ports/user.repository.js';

interface UserRow {
  id: string;
  name: string;
  email: string;
  email_normalized: string;
  display_name: string | null;
  password_hash: string;
  role: string;
  created_at: Date;
}

const COLUMNS = 'id, name, email, email_normalized, display_name, password_hash, role, created_at';

const toUser = (r: UserRow): User => ({
  id: r.id,
  name: r.name,
  email: r.email,
  emailNormalized: r.email_normalized,
  displayName: r.display_name,
  passwordHash: r.password_hash,
  role: r.role === 'admin' ? 'admin' : 'user',
  createdAt: r.created_at,
});

@Injectable()
export class PrismaUserRepository extends UserRepository {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  private get db() {
    return this.transactions.client;
  }

  nextId(): string {
    return randomUUID();
  }

  async emailTaken(emailNormalized: string): Promise<boolean> {
    return (
      (await this.db.query<unknown[]>('SELECT 1 FROM users WHERE email_normalized = $1', emailNormalized)).length > 0
    );
  }

  async add(user: User): Promise<void> {
    try {
      await this.db.execute(
        `INSERT INTO users (${COLUMNS}) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8)`,
        user.id,
        user.name,
        user.email,
        user.emailNormalized,
        user.displayName,
        user.passwordHash,
        user.role,
        user.createdAt,
      );
    } catch (err) {
      if (isUniqueViolation(err)) throw emailTaken();
      throw err;
    }
  }

  async byEmail(emailNormalized: string): Promise<User | null> {
    const [r] = await this.db.query<UserRow[]>(
      `SELECT ${COLUMNS} FROM users WHERE email_normalized = $1`,
      emailNormalized,
    );
    return r ? toUser(r) : null;
  }

  async byId(id: string): Promise<User | null> {
    const [r] = await this.db.query<UserRow[]>(`SELECT ${COLUMNS} FROM users WHERE id = $1::uuid`, id);
    return r ? toUser(r) : null;
  }

  async setRole(id: string, role: UserRole): Promise<void> {
    await this.db.execute('UPDATE users SET role = $2 WHERE id = $1::uuid', id, role);
  }
}

export function emailTaken(): DomainError {
  return new DomainError('conflict', 'email-taken', 'An account with this email already exists.');
}
