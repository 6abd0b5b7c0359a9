import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/shared-kernel';
import { TransactionRunner, type Tx } from '@app/platform';
import type { TaskState } from '../domain/task.js';
import { TaskRepository } from '../ports/task.repository.js';

interface Row {
  id: string;
  owner_id: string;
  title: string;
  description: string;
  priority: TaskState['priority'];
  status: TaskState['status'];
  due_date: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const conflict = () =>
  new DomainError('conflict', 'concurrent-modification', 'The task was changed by another request; reload and retry.');

/** The `tasks` write table in raw SQL (the hot path skips Prisma's query compiler); joins the command's transaction. */
@Injectable()
export class PrismaTaskRepository extends TaskRepository {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  private tx(): Tx {
    const tx = this.transactions.current();
    if (!tx) throw new Error('TaskRepository must run inside a unit of work');
    return tx;
  }

  async findOwned(id: string, ownerId: string): Promise<TaskState | null> {
    const rows = await this.tx().query<Row[]>(
      'SELECT id, owner_id, title, description, priority, status, due_date, version, created_at, updated_at FROM tasks WHERE id = $1::uuid AND owner_id = $2::uuid FOR UPDATE',
      id,
      ownerId,
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id,
      ownerId: r.owner_id,
      title: r.title,
      description: r.description,
      priority: r.priority,
      status: r.status,
      dueDate: r.due_date,
      version: r.version,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  async insert(t: TaskState): Promise<void> {
    await this.tx().execute(
      'INSERT INTO tasks (id, owner_id, title, description, priority, status, due_date, version, created_at, updated_at) VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7::timestamptz, $8, $9::timestamptz, $10::timestamptz)',
      t.id,
      t.ownerId,
      t.title,
      t.description,
      t.priority,
      t.status,
      t.dueDate,
      t.version,
      t.createdAt,
      t.updatedAt,
    );
  }

  async update(t: TaskState, expectedVersion: number): Promise<void> {
    const n = await this.tx().execute(
      'UPDATE tasks SET title = $3, description = $4, priority = $5, status = $6, due_date = $7::timestamptz, version = $8, updated_at = $9::timestamptz WHERE id = $1::uuid AND version = $2',
      t.id,
      expectedVersion,
      t.title,
      t.description,
      t.priority,
      t.status,
      t.dueDate,
      t.version,
      t.updatedAt,
    );
    if (n !== 1) throw conflict();
  }

  async delete(id: string, expectedVersion: number): Promise<void> {
    const n = await this.tx().execute('DELETE FROM tasks WHERE id = $1::uuid AND version = $2', id, expectedVersion);
    if (n !== 1) throw conflict();
  }
}
