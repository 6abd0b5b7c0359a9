import { Command } from '@nestjs/cqrs';

export class DeleteTaskCommand extends Command<void> {
  constructor(
    readonly ownerId: string,
    readonly taskId: string,
    readonly expectedVersion: number | undefined,
  ) {
    super();
  }
}
