import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { UnitOfWork } from '@app/shared-kernel';
import { EventStore } from '@app/events/ports';
import { webhookNotFound } from '../../../domain/webhook.js';
import { WEBHOOK_AGGREGATE, WEBHOOK_DELETED, type WebhookGonePayload } from '../../../domain/notification.events.js';
import { WebhookRepository } from '../../../ports/webhook.repository.js';
import { DeleteWebhookCommand } from './delete-webhook.command.js';

@CommandHandler(DeleteWebhookCommand)
export class DeleteWebhookHandler implements ICommandHandler<DeleteWebhookCommand> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly webhooks: WebhookRepository,
    private readonly events: EventStore,
  ) {}

  execute(cmd: DeleteWebhookCommand): Promise<void> {
    return this.uow.run(async () => {
      const endpoint = await this.webhooks.findOwned(cmd.id, cmd.userId);
      if (!endpoint) throw webhookNotFound(cmd.id);
      await this.webhooks.delete(endpoint.id);
      const payload: WebhookGonePayload = { userId: endpoint.userId, url: endpoint.url };
      // An endpoint's versions: 1 created, 2 disabled (at most once: it is never enabled again), then deleted.
      await this.events.append([
        {
          type: WEBHOOK_DELETED,
          aggregateType: WEBHOOK_AGGREGATE,
          aggregateId: endpoint.id,
          aggregateVersion: endpoint.status === 'disabled' ? 3 : 2,
          payload,
        },
      ]);
    });
  }
}
