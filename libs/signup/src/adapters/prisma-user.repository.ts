import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/shared-kernel';
import { isUniqueViolation, TransactionRunner } from '@app/platform';
import type { User, UserRole } from '../domain/user.js';
import { UserRepository } from '../ports/user.repository.js';

interface UserRecord {
  id: string;
  name: string;
  email: string;
  emailNormalized: string;
  displayName: string | null;
  passwordHash: string;
  role: string;
  createdAt: Date;
}

const toUser = (r: UserRecord): User => ({ ...r, role: r.role === 'admin' ? 'admin' : 'user' });

@Injectable()
export class PrismaUserRepository extends UserRepository {
  constructor(
    private readonly transactions: TransactionRunner,
  ) {
    super();
  }

  private get db() {
    return this.transactions.client;
  }

  nextId(): string {
    return randomUUID();
  }

  async emailTaken(emailNormalized: string): Promise<boolean> {
    return (await this.db.user.count({ where: { emailNormalized } })) > 0;
  }

  async add(user: User): Promise<void> {
    try {
      await this.db.user.create({ data: { ...user } });
    } catch (err) {
      if (isUniqueViolation(err)) throw emailTaken();
      throw err;
    }
  }

  async byEmail(emailNormalized: string): Promise<User | null> {
    const r = await this.db.user.findUnique({ where: { emailNormalized } });
    return r ? toUser(r) : null;
  }

  async byId(id: string): Promise<User | null> {
    const r = await this.db.user.findUnique({ where: { id } });
    return r ? toUser(r) : null;
  }

  async setRole(id: string, role: UserRole): Promise<void> {
    await this.db.user.update({ where: { id }, data: { role } });
  }
}

export function emailTaken(): DomainError {
  return new DomainError('conflict', 'email-taken', 'An account with this email already exists.');
}

