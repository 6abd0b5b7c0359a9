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

  constructor(
    private readonly transactions: TransactionRunner,
  ) {
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
      await this.db.$executeRaw`
        INSERT INTO users_read (id, name, email, display_name, created_at)
        VALUES (${r.id}::uuid, ${r.name}, ${r.email}, ${r.displayName}, ${r.createdAt})
        ON CONFLICT (id) DO NOTHING`;
    } else if (change.kind === 'adjust') {
      const d = change.deltas;
      await this.db.$executeRaw`
        UPDATE users_read SET
          tasks_pending = GREATEST(0, tasks_pending + ${d.pending ?? 0}::int),
          tasks_in_progress = GREATEST(0, tasks_in_progress + ${d.in_progress ?? 0}::int),
          tasks_completed = GREATEST(0, tasks_completed + ${d.completed ?? 0}::int),
          tasks_cancelled = GREATEST(0, tasks_cancelled + ${d.cancelled ?? 0}::int)
        WHERE id = ${change.userId}::uuid`;
    }
  }

  async reset(): Promise<void> {
    await this.db.$executeRaw`DELETE FROM users_read`;
  }
}
