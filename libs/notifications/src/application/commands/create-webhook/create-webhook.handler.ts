import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock, UnitOfWork } from '@app/shared-kernel';
import { EventStore } from '@app/events/ports';
import { registerWebhook, type WebhookEndpoint } from '../../../domain/webhook.js';
import { WEBHOOK_AGGREGATE, WEBHOOK_CREATED, type WebhookCreatedPayload } from '../../../domain/notification.events.js';
import { WebhookRepository } from '../../../ports/webhook.repository.js';
import { WebhookSettings } from '../../../ports/webhook-settings.js';
import { CreateWebhookCommand } from './create-webhook.command.js';

@CommandHandler(CreateWebhookCommand)
export class CreateWebhookHandler implements ICommandHandler<CreateWebhookCommand> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly webhooks: WebhookRepository,
    private readonly events: EventStore,
    private readonly settings: WebhookSettings,
    private readonly clock: Clock,
  ) {}

  execute(cmd: CreateWebhookCommand): Promise<WebhookEndpoint> {
    return this.uow.run(async () => {
      await this.webhooks.lockOwner(cmd.userId);
      const existing = await this.webhooks.countOwned(cmd.userId);
      const endpoint = registerWebhook(
        { id: cmd.id, userId: cmd.userId, url: cmd.url, eventTypes: cmd.eventTypes, now: this.clock.now() },
        { allowPlainHttp: this.settings.allowPrivate, existing },
      );
      await this.webhooks.insert(endpoint, cmd.secret);
      const payload: WebhookCreatedPayload = {
        userId: endpoint.userId,
        url: endpoint.url,
        eventTypes: endpoint.eventTypes,
      };
      await this.events.append([
        {
          type: WEBHOOK_CREATED,
          aggregateType: WEBHOOK_AGGREGATE,
          aggregateId: endpoint.id,
          aggregateVersion: 1,
          payload,
        },
      ]);
      return endpoint;
    });
  }
}
