import { Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import { type DB, TransactionRunner } from '@app/platform';
import type { TaskDue } from '../domain/reminder.js';
import { ReminderTaskStore } from '../ports/reminder-task.store.js';
import { unitOfWorkDb } from './unit-of-work-db.js';

const toTask = (r: Selectable<DB['reminder_tasks']>): TaskDue => ({
  taskId: r.task_id,
  ownerId: r.owner_id,
  title: r.title,
  dueDate: r.due_date,
  open: r.open,
});

/** `reminder_tasks` through Kysely, in the consumer's transaction. */
@Injectable()
export class KyselyReminderTaskStore extends ReminderTaskStore {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  private get db() {
    return unitOfWorkDb(this.transactions, 'ReminderTaskStore');
  }

  async get(taskId: string): Promise<TaskDue | null> {
    const r = await this.db
      .selectFrom('reminder_tasks')
      .selectAll()
      .where('task_id', '=', taskId)
      .forUpdate()
      .executeTakeFirst();
    return r ? toTask(r) : null;
  }

  async put(t: TaskDue): Promise<void> {
    await this.db
      .insertInto('reminder_tasks')
      .values({ task_id: t.taskId, owner_id: t.ownerId, title: t.title, due_date: t.dueDate, open: t.open })
      .onConflict((oc) =>
        oc.column('task_id').doUpdateSet((eb) => ({
          title: eb.ref('excluded.title'),
          due_date: eb.ref('excluded.due_date'),
          open: eb.ref('excluded.open'),
        })),
      )
      .execute();
  }

  async remove(taskId: string): Promise<void> {
    await this.db.deleteFrom('reminder_tasks').where('task_id', '=', taskId).execute();
  }

  async openDueAfter(ownerId: string, after: Date): Promise<TaskDue[]> {
    const rows = await this.db
      .selectFrom('reminder_tasks')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .where('open', '=', true)
      .where('due_date', '>', after)
      .orderBy('task_id')
      .forUpdate()
      .execute();
    return rows.map(toTask);
  }
}
