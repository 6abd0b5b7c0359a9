import { Command } from '@nestjs/cqrs';

/** Deletes the caller's webhook and its deliveries. */
export class DeleteWebhookCommand extends Command<void> {
  constructor(
    readonly userId: string,
    readonly id: string,
  ) {
    super();
  }
}
