import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/shared-kernel';
import { TransactionRunner } from '@app/platform';
import { defaultSettings, type NotificationSettings } from '../domain/notification-settings.js';
import { NotificationSettingsRepository } from '../ports/notification-settings.repository.js';
import { openTransaction } from './in-transaction.js';

/** The `notification_settings` write table, in the caller's transaction. */
@Injectable()
export class SqlNotificationSettingsRepository extends NotificationSettingsRepository {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  async find(userId: string): Promise<NotificationSettings> {
    const rows = await openTransaction(this.transactions, 'NotificationSettingsRepository').query<{ email: boolean; reminder_lead_minutes: number; version: number }[]>(
      'SELECT email, reminder_lead_minutes, version FROM notification_settings WHERE user_id = $1::uuid FOR UPDATE',
      userId,
    );
    const r = rows[0];
    return r ? { userId, email: r.email, reminderLeadMinutes: r.reminder_lead_minutes, version: r.version } : defaultSettings(userId);
  }

  /** Version 1 inserts (a concurrent first save loses on the primary key); later versions update from `expectedVersion`. */
  async save(s: NotificationSettings, expectedVersion: number): Promise<void> {
    const tx = openTransaction(this.transactions, 'NotificationSettingsRepository');
    const written =
      expectedVersion === 0
        ? await tx.execute(
            'INSERT INTO notification_settings (user_id, email, reminder_lead_minutes, version, updated_at) VALUES ($1::uuid, $2, $3, $4, now()) ON CONFLICT (user_id) DO NOTHING',
            s.userId, s.email, s.reminderLeadMinutes, s.version,
          )
        : await tx.execute(
            'UPDATE notification_settings SET email = $3, reminder_lead_minutes = $4, version = $5, updated_at = now() WHERE user_id = $1::uuid AND version = $2',
            s.userId, expectedVersion, s.email, s.reminderLeadMinutes, s.version,
          );
    if (written !== 1) throw new DomainError('conflict', 'concurrent-modification', 'The settings were changed by another request; retry.');
  }
}
