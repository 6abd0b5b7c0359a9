import { Command } from '@nestjs/cqrs';
import type { WebhookEndpoint } from '../../../domain/webhook.js';

/**
 * Registers a webhook with the id and secret the caller made. The result is the endpoint
 * without its secret: it is what a keyed retry gets back (docs/decisions/0073).
 */
export class CreateWebhookCommand extends Command<WebhookEndpoint> {
  constructor(
    readonly userId: string,
    readonly id: string,
    readonly secret: string,
    readonly url: string,
    readonly eventTypes: string[],
  ) {
    super();
  }
}
