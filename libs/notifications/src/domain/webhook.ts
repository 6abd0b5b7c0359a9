import { DomainError } from '@app/shared-kernel';

/** The events a webhook may subscribe to: the user's task events and reminders. */
export const WEBHOOK_EVENT_TYPES = [
  'task.created',
  'task.updated',
  'task.status_changed',
  'task.deleted',
  'task.reminder_due',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
export const MAX_WEBHOOKS_PER_USER = 5;

/** A user's webhook endpoint; `secret` is the signing key (`whsec_` + base64), never shown after creation. */
export interface WebhookEndpoint {
  id: string;
  userId: string;
  url: string;
  eventTypes: WebhookEventType[];
  status: 'active' | 'disabled';
  createdAt: Date;
  disabledAt: Date | null;
}

const invalid = (field: string, message: string) =>
  new DomainError('invalid', 'validation-failed', `${field} ${message}.`, { errors: [{ field, message }] });

/**
 * The endpoint a registration describes, or a 422: an absolute https:// URL without credentials
 * (http:// too when private addresses are allowed: tests, local development), one to five known
 * event types, and room for it (at most five endpoints a user). Where the host resolves is
 * checked when a delivery connects (docs/decisions/0073).
 */
export function registerWebhook(
  input: { id: string; userId: string; url: string; eventTypes: string[]; now: Date },
  policy: { allowPlainHttp: boolean; existing: number },
): WebhookEndpoint {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw invalid('url', 'must be an absolute URL');
  }
  const schemes = policy.allowPlainHttp ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol))
    throw invalid('url', policy.allowPlainHttp ? 'must be an http:// or https:// URL' : 'must be an https:// URL');
  if (url.username || url.password) throw invalid('url', 'must not carry credentials');
  if (url.hash) throw invalid('url', 'must not have a fragment');
  const types = [...new Set(input.eventTypes)];
  if (types.length === 0) throw invalid('eventTypes', 'must name at least one event type');
  const unknown = types.filter((t) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length) throw invalid('eventTypes', `must be among ${WEBHOOK_EVENT_TYPES.join(', ')}`);
  if (policy.existing >= MAX_WEBHOOKS_PER_USER) {
    throw new DomainError(
      'invalid',
      'webhook-limit-reached',
      `A user has at most ${MAX_WEBHOOKS_PER_USER} webhooks; delete one first.`,
    );
  }
  return {
    id: input.id,
    userId: input.userId,
    url: url.toString(),
    eventTypes: types as WebhookEventType[],
    status: 'active',
    createdAt: input.now,
    disabledAt: null,
  };
}

export const webhookNotFound = (id: string) =>
  new DomainError('not_found', 'webhook-not-found', `Webhook ${id} does not exist.`);
