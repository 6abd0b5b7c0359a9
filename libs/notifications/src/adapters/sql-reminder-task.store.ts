import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/platform';
import type { TaskDue } from '../domain/reminder.js';
import { ReminderTaskStore } from '../ports/reminder-task.store.js';
import { openTransaction } from './in-transaction.js';

interface Row {
  task_id: string;
  owner_id: string;
  title: string;
  due_date: Date | null;
  open: boolean;
}
const fromRow = (r: Row): TaskDue => ({ taskId: r.task_id, ownerId: r.owner_id, title: r.title, dueDate: r.due_date, open: r.open });

/** `reminder_tasks`, in the consumer's transaction. */
@Injectable()
export class SqlReminderTaskStore extends ReminderTaskStore {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  private tx() {
    return openTransaction(this.transactions, 'ReminderTaskStore');
  }

  async get(taskId: string): Promise<TaskDue | null> {
    const rows = await this.tx().query<Row[]>('SELECT task_id, owner_id, title, due_date, open FROM reminder_tasks WHERE task_id = $1::uuid FOR UPDATE', taskId);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async put(t: TaskDue): Promise<void> {
    await this.tx().execute(
      `INSERT INTO reminder_tasks (task_id, owner_id, title, due_date, open) VALUES ($1::uuid, $2::uuid, $3, $4::timestamptz, $5)
       ON CONFLICT (task_id) DO UPDATE SET title = EXCLUDED.title, due_date = EXCLUDED.due_date, open = EXCLUDED.open`,
      t.taskId, t.ownerId, t.title, t.dueDate, t.open,
    );
  }

  async remove(taskId: string): Promise<void> {
    await this.tx().execute('DELETE FROM reminder_tasks WHERE task_id = $1::uuid', taskId);
  }

  async openDueAfter(ownerId: string, after: Date): Promise<TaskDue[]> {
    const rows = await this.tx().query<Row[]>(
      'SELECT task_id, owner_id, title, due_date, open FROM reminder_tasks WHERE owner_id = $1::uuid AND open AND due_date > $2::timestamptz ORDER BY task_id FOR UPDATE',
      ownerId,
      after,
    );
    return rows.map(fromRow);
  }
}
