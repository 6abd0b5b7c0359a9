import { Injectable } from '@nestjs/common';
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

  private get db() {
    return this.transactions.client;
  }

  async handle(event: StoredEvent): Promise<void> {
    await this.apply(usersReadChange(event));
  }

  async apply(change: UsersReadChange): Promise<void> {
    if (change.kind === 'insert') {
      const r = change.row;
      await this.db.execute(
        `INSERT INTO users_read (id, name, email, display_name, created_at)
         VALUES ($1::uuid, $2, $3, $4, $5)
         ON CONFLICT (id) DO NOTHING`,
        r.id,
        r.name,
        r.email,
        r.displayName,
        r.createdAt,
      );
    } else if (change.kind === 'adjust') {
      const d = change.deltas;
      await this.db.execute(
        `UPDATE users_read SET
           tasks_pending = GREATEST(0, tasks_pending + $1::int),
           tasks_in_progress = GREATEST(0, tasks_in_progress + $2::int),
           tasks_completed = GREATEST(0, tasks_completed + $3::int),
           tasks_cancelled = GREATEST(0, tasks_cancelled + $4::int)
         WHERE id = $5::uuid`,
        d.pending ?? 0,
        d.in_progress ?? 0,
        d.completed ?? 0,
        d.cancelled ?? 0,
        change.userId,
      );
    }
  }

  async reset(): Promise<void> {
    await this.db.execute('DELETE FROM users_read');
  }
}
