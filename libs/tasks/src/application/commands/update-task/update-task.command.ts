import { Command } from '@nestjs/cqrs';
import type { TaskFields, TaskState, TaskStatus } from '../../../domain/task.js';

/**
 * PATCH (mode 'merge': only the given fields) or PUT (mode 'replace': absent optional fields
 * fall back to their defaults). `status`, when given, changes the status in the same
 * transaction. `expectedVersion` comes from If-Match.
 */
export class UpdateTaskCommand extends Command<TaskState> {
  constructor(
    readonly ownerId: string,
    readonly taskId: string,
    readonly mode: 'merge' | 'replace',
    readonly fields: Partial<TaskFields>,
    readonly status: TaskStatus | undefined,
    readonly expectedVersion: number | undefined,
  ) {
    super();
  }
}
