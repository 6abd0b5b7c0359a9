import { Injectable } from '@nestjs/common';
import { EventConsumer, Projector, type StoredEvent } from '@app/events';
import { TransactionRunner } from '@app/platform';

const USER_SIGNED_UP = 'user.signed_up';

/** Keeps each user's email address (`notification_recipients`) from the signup slice's user.signed_up events. */
@Injectable()
@EventConsumer()
export class NotificationRecipientsProjector extends Projector {
  readonly name = 'notification_recipients';
  readonly eventTypes = [USER_SIGNED_UP] as const;

  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  async handle(event: StoredEvent): Promise<void> {
    const { userId, email } = event.payload as { userId: string; email: string };
    await this.transactions.run(async () => {
      await this.transactions.db
        .insertInto('notification_recipients')
        .values({ user_id: userId, email })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ email }))
        .execute();
    });
  }

  async reset(): Promise<void> {
    await this.transactions.run(async () => {
      await this.transactions.db.deleteFrom('notification_recipients').execute();
    });
  }
}
