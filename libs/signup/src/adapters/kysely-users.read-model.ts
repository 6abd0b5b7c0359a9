import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/platform';
import { UsersReadModel, type UsersReadRow } from '../ports/users.read-model.js';

/** `users_read` through Kysely. */
@Injectable()
export class KyselyUsersReadModel extends UsersReadModel {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  async byId(id: string): Promise<UsersReadRow | null> {
    const r = await this.transactions.db.selectFrom('users_read').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) return null;
    return {
      id: r.id,
      name: r.name,
      email: r.email,
      displayName: r.display_name,
      createdAt: r.created_at,
      taskCounts: {
        pending: r.tasks_pending,
        in_progress: r.tasks_in_progress,
        completed: r.tasks_completed,
        cancelled: r.tasks_cancelled,
      },
    };
  }
}
