import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/shared-kernel';
import { TransactionRunner } from '@app/platform';
import type { NotificationState } from '../domain/notification.js';
import { NotificationRepository } from '../ports/notification.repository.js';
import { openTransaction } from './in-transaction.js';

interface Row {
  id: string;
  user_id: string;
  type: NotificationState['type'];
  title: string;
  body: string;
  data: NotificationState['data'];
  version: number;
  created_at: Date;
  read_at: Date | null;
}

/** The `notifications` write table, in the unit of work's transaction. */
@Injectable()
export class SqlNotificationRepository extends NotificationRepository {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  async findOwned(id: string, userId: string): Promise<NotificationState | null> {
    const rows = await openTransaction(this.transactions, 'NotificationRepository').query<Row[]>(
      'SELECT id, user_id, type, title, body, data, version, created_at, read_at FROM notifications WHERE id = $1::uuid AND user_id = $2::uuid FOR UPDATE',
      id,
      userId,
    );
    const r = rows[0];
    return r ? { id: r.id, userId: r.user_id, type: r.type, title: r.title, body: r.body, data: r.data, version: r.version, createdAt: r.created_at, readAt: r.read_at } : null;
  }

  async insert(n: NotificationState): Promise<boolean> {
    const inserted = await openTransaction(this.transactions, 'NotificationRepository').execute(
      `INSERT INTO notifications (id, user_id, type, title, body, data, version, created_at, read_at)
       VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6::jsonb, $7, $8::timestamptz, $9::timestamptz) ON CONFLICT (id) DO NOTHING`,
      n.id, n.userId, n.type, n.title, n.body, JSON.stringify(n.data), n.version, n.createdAt, n.readAt,
    );
    return inserted === 1;
  }

  async update(n: NotificationState, expectedVersion: number): Promise<void> {
    const updated = await openTransaction(this.transactions, 'NotificationRepository').execute(
      'UPDATE notifications SET read_at = $3::timestamptz, version = $4 WHERE id = $1::uuid AND version = $2',
      n.id, expectedVersion, n.readAt, n.version,
    );
    if (updated !== 1) throw new DomainError('conflict', 'concurrent-modification', 'The notification was changed by another request; retry.');
  }
}
