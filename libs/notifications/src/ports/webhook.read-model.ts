import type { WebhookEventType } from '../domain/webhook.js';

/** An endpoint as its owner lists it: never its secret. */
export interface WebhookView {
  id: string;
  url: string;
  eventTypes: WebhookEventType[];
  status: 'active' | 'disabled';
  createdAt: string;
  disabledAt: string | null;
  deliveries: { pending: number; delivered: number; dead: number };
}

export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export interface DeliveryListCriteria {
  userId: string;
  webhookId: string;
  status?: DeliveryView['status'];
  limit: number;
  after?: { createdAt: string; id: string };
}

/** The read side of webhooks: the endpoints and deliveries tables, read directly. */
export abstract class WebhookReadModel {
  abstract list(userId: string): Promise<WebhookView[]>;
  abstract owns(userId: string, webhookId: string): Promise<boolean>;
  /** Up to `limit + 1` deliveries of the webhook, newest first. */
  abstract deliveries(criteria: DeliveryListCriteria): Promise<DeliveryView[]>;
}
