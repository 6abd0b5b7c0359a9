import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { UnitOfWork } from '@app/shared-kernel';
import { type DeadLetterView, DeadLetters } from './dead-letters.js';
import { RetryDeadLetterCommand } from './retry-dead-letter.command.js';

@CommandHandler(RetryDeadLetterCommand)
export class RetryDeadLetterHandler implements ICommandHandler<RetryDeadLetterCommand> {
  constructor(
    private readonly deadLetters: DeadLetters,
    private readonly uow: UnitOfWork,
  ) {}

  execute(command: RetryDeadLetterCommand): Promise<DeadLetterView> {
    return this.uow.run(() => this.deadLetters.requestRetry(command.id));
  }
}
