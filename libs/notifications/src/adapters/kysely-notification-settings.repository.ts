import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/shared-kernel';
import { TransactionRunner } from '@app/platform';
import { defaultSettings, type NotificationSettings } from '../domain/notification-settings.js';
import { NotificationSettingsRepository } from '../ports/notification-settings.repository.js';
import { unitOfWorkDb } from './unit-of-work-db.js';

const changedMeanwhile = () =>
  new DomainError('conflict', 'concurrent-modification', 'The settings were changed by another request; retry.');

/** The `notification_settings` write table through Kysely, in the open unit of work. */
@Injectable()
export class KyselyNotificationSettingsRepository extends NotificationSettingsRepository {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  private get db() {
    return unitOfWorkDb(this.transactions, 'NotificationSettingsRepository');
  }

  async find(userId: string): Promise<NotificationSettings> {
    const r = await this.db
      .selectFrom('notification_settings')
      .select(['email', 'reminder_lead_minutes', 'version'])
      .where('user_id', '=', userId)
      .forUpdate()
      .executeTakeFirst();
    return r
      ? { userId, email: r.email, reminderLeadMinutes: r.reminder_lead_minutes, version: r.version }
      : defaultSettings(userId);
  }

  /** From version 0 it inserts (a concurrent first save loses on the primary key); later, it updates from `expectedVersion`. */
  async save(s: NotificationSettings, expectedVersion: number): Promise<void> {
    const row = {
      email: s.email,
      reminder_lead_minutes: s.reminderLeadMinutes,
      version: s.version,
      updated_at: new Date(),
    };
    if (expectedVersion === 0) {
      const inserted = await this.db
        .insertInto('notification_settings')
        .values({ user_id: s.userId, ...row })
        .onConflict((oc) => oc.column('user_id').doNothing())
        .executeTakeFirst();
      if (inserted.numInsertedOrUpdatedRows !== 1n) throw changedMeanwhile();
      return;
    }
    const updated = await this.db
      .updateTable('notification_settings')
      .set(row)
      .where('user_id', '=', s.userId)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    if (updated.numUpdatedRows !== 1n) throw changedMeanwhile();
  }
}
