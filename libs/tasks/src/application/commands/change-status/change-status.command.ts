import { Command } from '@nestjs/cqrs';
import type { TaskState, TaskStatus } from '../../../domain/task.js';

/** `PATCH /tasks/:id` with only `{status}` in the body. */
export class ChangeStatusCommand extends Command<TaskState> {
  constructor(
    readonly ownerId: string,
    readonly taskId: string,
    readonly status: TaskStatus,
    readonly expectedVersion: number | undefined,
  ) {
    super();
  }
}
