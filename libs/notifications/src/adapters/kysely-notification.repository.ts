import { Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import { DomainError } from '@app/shared-kernel';
import { type DB, TransactionRunner } from '@app/platform';
import type { NotificationState } from '../domain/notification.js';
import { NotificationRepository } from '../ports/notification.repository.js';
import { unitOfWorkDb } from './unit-of-work-db.js';

const toState = (r: Selectable<DB['notifications']>): NotificationState => ({
  id: r.id,
  userId: r.user_id,
  type: r.type as NotificationState['type'],
  title: r.title,
  body: r.body,
  data: r.data as NotificationState['data'],
  version: r.version,
  createdAt: r.created_at,
  readAt: r.read_at,
});

/** The `notifications` write table through Kysely, in the open unit of work. */
@Injectable()
export class KyselyNotificationRepository extends NotificationRepository {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  private get db() {
    return unitOfWorkDb(this.transactions, 'NotificationRepository');
  }

  async findOwned(id: string, userId: string): Promise<NotificationState | null> {
    const r = await this.db
      .selectFrom('notifications')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .forUpdate()
      .executeTakeFirst();
    return r ? toState(r) : null;
  }

  async insert(n: NotificationState): Promise<boolean> {
    const result = await this.db
      .insertInto('notifications')
      .values({
        id: n.id,
        user_id: n.userId,
        type: n.type,
        title: n.title,
        body: n.body,
        data: n.data,
        version: n.version,
        created_at: n.createdAt,
        read_at: n.readAt,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return result.numInsertedOrUpdatedRows === 1n;
  }

  async update(n: NotificationState, expectedVersion: number): Promise<void> {
    const result = await this.db
      .updateTable('notifications')
      .set({ read_at: n.readAt, version: n.version })
      .where('id', '=', n.id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    if (result.numUpdatedRows !== 1n)
      throw new DomainError(
        'conflict',
        'concurrent-modification',
        'The notification was changed by another request; retry.',
      );
  }
}
