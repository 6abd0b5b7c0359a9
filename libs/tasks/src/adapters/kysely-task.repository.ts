import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/shared-kernel';
import { TransactionRunner } from '@app/platform';
import type { TaskState } from '../domain/task.js';
import { TaskRepository } from '../ports/task.repository.js';

const conflict = () =>
  new DomainError('conflict', 'concurrent-modification', 'The task was changed by another request; reload and retry.');

/** The columns a task's writes set: all but its id, owner and creation time, which never change. */
const changeableColumns = (t: TaskState) => ({
  title: t.title,
  description: t.description,
  priority: t.priority,
  status: t.status,
  due_date: t.dueDate,
  version: t.version,
  updated_at: t.updatedAt,
});

/** The `tasks` write table through Kysely; joins the command's transaction. */
@Injectable()
export class KyselyTaskRepository extends TaskRepository {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  private get db() {
    if (!this.transactions.current()) throw new Error('TaskRepository must run inside a unit of work');
    return this.transactions.db;
  }

  async findOwned(id: string, ownerId: string): Promise<TaskState | null> {
    const r = await this.db
      .selectFrom('tasks')
      .selectAll()
      .where('id', '=', id)
      .where('owner_id', '=', ownerId)
      .forUpdate()
      .executeTakeFirst();
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
    await this.db
      .insertInto('tasks')
      .values({ id: t.id, owner_id: t.ownerId, created_at: t.createdAt, ...changeableColumns(t) })
      .execute();
  }

  async update(t: TaskState, expectedVersion: number): Promise<void> {
    const { numUpdatedRows } = await this.db
      .updateTable('tasks')
      .set(changeableColumns(t))
      .where('id', '=', t.id)
      .where('version', '=', expectedVersion)
      .executeTakeFirstOrThrow();
    if (numUpdatedRows !== 1n) throw conflict();
  }

  async delete(id: string, expectedVersion: number): Promise<void> {
    const { numDeletedRows } = await this.db
      .deleteFrom('tasks')
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .executeTakeFirstOrThrow();
    if (numDeletedRows !== 1n) throw conflict();
  }
}
