import type { RenderedEmail } from '../domain/notification-email.js';

export interface EmailMessage extends RenderedEmail {
  id: string;
  userId: string;
  to: string;
  messageId: string;
}

/** An email taken for a sending attempt. */
export interface ClaimedEmail extends EmailMessage {
  /** Counting this attempt. */
  attempts: number;
}

/**
 * The outgoing emails (`email_messages`), one per notification. `enqueue` and the outcomes run in
 * the caller's transaction; `claim` is one statement that leases the oldest due pending email.
 */
export abstract class EmailMessageStore {
  /** The user's email address (kept from user.signed_up), or null. */
  abstract addressOf(userId: string): Promise<string | null>;
  /** `stored`: no SMTP server is configured; the message is kept for the API only. False when it exists (a redelivery). */
  abstract enqueue(message: EmailMessage, status: 'pending' | 'stored'): Promise<boolean>;
  abstract claim(leaseMs: number): Promise<ClaimedEmail | null>;
  abstract sent(m: ClaimedEmail): Promise<void>;
  abstract retryAt(m: ClaimedEmail, at: Date, error: string): Promise<void>;
  abstract failed(m: ClaimedEmail, error: string): Promise<void>;
}
