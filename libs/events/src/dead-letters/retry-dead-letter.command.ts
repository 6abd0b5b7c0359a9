import { Command } from '@nestjs/cqrs';
import type { DeadLetterView } from './dead-letters.js';

/** Asks the worker running the dead letter's consumer to handle its event again. */
export class RetryDeadLetterCommand extends Command<DeadLetterView> {
  constructor(readonly id: string) {
    super();
  }
}
