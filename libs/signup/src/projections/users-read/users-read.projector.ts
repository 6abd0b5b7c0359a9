import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { EventConsumer, Projector, type StoredEvent } from '@app/events';
import { TransactionRunner } from '@app/platform';
import { USERS_READ_EVENT_TYPES, usersReadChange, type UsersReadChange } from './users-read.projection.js';

/**
 * Keeps users_read: a row per signed-up user with its task counts by status, adjusted by the
 * tasks slice's events (the owner is payload.ownerId). Runs in the engine's transaction.
 */
@EventConsumer()
@Injectable()
export class UsersReadProjector extends Projector {
  readonly name = 'users_read';
  readonly eventTypes = USERS_READ_EVENT_TYPES;

  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  async handle(event: StoredEvent): Promise<void> {
    await this.apply(usersReadChange(event));
  }

  async apply(change: UsersReadChange): Promise<void> {
    const db = this.transactions.db;
    if (change.kind === 'insert') {
      const r = change.row;
      await db
        .insertInto('users_read')
        .values({ id: r.id, name: r.name, email: r.email, display_name: r.displayName, created_at: r.createdAt })
        .onConflict((conflict) => conflict.column('id').doNothing())
        .execute();
    } else if (change.kind === 'adjust') {
      const d = change.deltas;
      await db
        .updateTable('users_read')
        .set((eb) => {
          // A count never goes below zero (a task event replayed without its creation).
          const adjusted = (
            column: 'tasks_pending' | 'tasks_in_progress' | 'tasks_completed' | 'tasks_cancelled',
            delta = 0,
          ) => eb.fn<number>('greatest', [sql.lit(0), eb(column, '+', delta)]);
          return {
            tasks_pending: adjusted('tasks_pending', d.pending),
            tasks_in_progress: adjusted('tasks_in_progress', d.in_progress),
            tasks_completed: adjusted('tasks_completed', d.completed),
            tasks_cancelled: adjusted('tasks_cancelled', d.cancelled),
          };
        })
        .where('id', '=', change.userId)
        .execute();
    }
  }

  async reset(): Promise<void> {
    await this.transactions.db.deleteFrom('users_read').execute();
  }
}
