import type { AttemptResult } from '../domain/webhook-delivery.js';
import type { WebhookEndpoint } from '../domain/webhook.js';

/** A delivery taken for an attempt: what to send, where, and with which key. */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  userId: string;
  url: string;
  secret: string;
  body: string;
  /** Counting this attempt. */
  attempts: number;
}

/**
 * The deliveries queue (`webhook_deliveries`). `enqueue` and the outcomes run in the caller's
 * transaction; `claim` is one statement of its own: it takes the oldest due delivery of an active
 * endpoint not in `exceptEndpoints` (skipping rows another worker holds) and leases it by moving
 * its next attempt `leaseMs` ahead, so a worker that dies mid-attempt leaves it to be retried.
 * An outcome applies only while the delivery is still at the claimed attempt.
 */
export abstract class WebhookDeliveryStore {
  /** One delivery per active endpoint of `ownerId` subscribed to the event's type; a redelivered event adds none. Returns how many. */
  abstract enqueue(event: { id: string; type: string; ownerId: string; body: string }): Promise<number>;
  abstract claim(exceptEndpoints: string[], leaseMs: number): Promise<ClaimedDelivery | null>;
  abstract delivered(d: ClaimedDelivery, status: number): Promise<void>;
  abstract retryAt(d: ClaimedDelivery, at: Date, result: AttemptResult): Promise<void>;
  /** Dead-letters it; its endpoint, when still active, is disabled with its other pending deliveries: that endpoint is returned. */
  abstract dead(d: ClaimedDelivery, result: AttemptResult): Promise<WebhookEndpoint | null>;
}
