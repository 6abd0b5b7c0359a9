import { randomUUID } from 'node:crypto';
import { WebhookSecrets } from '../ports/webhook-secrets.js';
import { newWebhookSecret } from './standard-webhooks-signature.js';

export class RandomWebhookSecrets extends WebhookSecrets {
  newId(): string {
    return randomUUID();
  }

  newSecret(): string {
    return newWebhookSecret();
  }
}
