import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { TransactionRunner } from '@app/platform';
import { type ClaimedEmail, type EmailMessage, EmailMessageStore } from '../ports/email-message.store.js';
import { unitOfWorkDb } from './unit-of-work-db.js';

/** `email_messages` through Kysely. */
@Injectable()
export class KyselyEmailMessageStore extends EmailMessageStore {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  private get db() {
    return unitOfWorkDb(this.transactions, 'EmailMessageStore');
  }

  async addressOf(userId: string): Promise<string | null> {
    const r = await this.db
      .selectFrom('notification_recipients')
      .select('email')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return r?.email ?? null;
  }

  async enqueue(m: EmailMessage, status: 'pending' | 'stored'): Promise<boolean> {
    const now = new Date();
    const result = await this.db
      .insertInto('email_messages')
      .values({
        id: m.id,
        user_id: m.userId,
        to_address: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        message_id: m.messageId,
        status,
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return result.numInsertedOrUpdatedRows === 1n;
  }

  async claim(leaseMs: number): Promise<ClaimedEmail | null> {
    const { rows } = await sql<{
      id: string;
      user_id: string;
      to_address: string;
      subject: string;
      text: string;
      html: string;
      message_id: string;
      attempts: number;
    }>`
      UPDATE email_messages SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000})
       WHERE id = (SELECT id FROM email_messages WHERE status = 'pending' AND next_attempt_at <= now() ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING id, user_id, to_address, subject, text, html, message_id, attempts`.execute(this.transactions.db);
    const r = rows[0];
    return r
      ? {
          id: r.id,
          userId: r.user_id,
          to: r.to_address,
          subject: r.subject,
          text: r.text,
          html: r.html,
          messageId: r.message_id,
          attempts: r.attempts,
        }
      : null;
  }

  private atClaim(m: ClaimedEmail) {
    return this.db
      .updateTable('email_messages')
      .where('id', '=', m.id)
      .where('status', '=', 'pending')
      .where('attempts', '=', m.attempts);
  }

  async sent(m: ClaimedEmail): Promise<void> {
    await this.atClaim(m).set({ status: 'sent', sent_at: new Date(), last_error: null }).execute();
  }

  async retryAt(m: ClaimedEmail, at: Date, error: string): Promise<void> {
    await this.atClaim(m)
      .set({ next_attempt_at: at, last_error: error.slice(0, 1000) })
      .execute();
  }

  async failed(m: ClaimedEmail, error: string): Promise<void> {
    await this.atClaim(m)
      .set({ status: 'failed', last_error: error.slice(0, 1000) })
      .execute();
  }
}
