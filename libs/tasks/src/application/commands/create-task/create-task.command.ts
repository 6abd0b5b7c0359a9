import { Command } from '@nestjs/cqrs';
import type { TaskPriority, TaskState } from '../../../domain/task.js';

export class CreateTaskCommand extends Command<TaskState> {
  constructor(
    readonly ownerId: string,
    readonly title: string,
    readonly description: string | undefined,
    readonly priority: TaskPriority | undefined,
    readonly dueDate: Date | null | undefined,
  ) {
    super();
  }
}
