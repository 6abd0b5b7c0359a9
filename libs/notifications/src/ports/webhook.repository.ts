import type { WebhookEndpoint } from '../domain/webhook.js';

/** The `webhook_endpoints` write table; inside the caller's unit of work. */
export abstract class WebhookRepository {
  /** Serialises the registrations of one user (the limit of five is counted under it). */
  abstract lockOwner(userId: string): Promise<void>;
  abstract countOwned(userId: string): Promise<number>;
  abstract insert(endpoint: WebhookEndpoint, secret: string): Promise<void>;
  /** The user's endpoint, locked for update; null when there is none (or it is another user's). */
  abstract findOwned(id: string, userId: string): Promise<WebhookEndpoint | null>;
  /** Deletes it with its deliveries. */
  abstract delete(id: string): Promise<void>;
}
