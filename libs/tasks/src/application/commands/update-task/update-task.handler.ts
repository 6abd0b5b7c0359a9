import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock, UnitOfWork } from '@app/shared-kernel';
import { EventStore } from '@app/events/ports';
import type { TaskFields, TaskState } from '../../../domain/task.js';
import { TaskRepository } from '../../../ports/task.repository.js';
import { loadOwned } from '../load-owned.js';
import { toNewEvents } from '../to-new-events.js';
import { UpdateTaskCommand } from './update-task.command.js';

@CommandHandler(UpdateTaskCommand)
export class UpdateTaskHandler implements ICommandHandler<UpdateTaskCommand> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tasks: TaskRepository,
    private readonly events: EventStore,
    private readonly clock: Clock,
  ) {}

  execute(cmd: UpdateTaskCommand): Promise<TaskState> {
    return this.uow.run(async () => {
      const task = await loadOwned(this.tasks, cmd.taskId, cmd.ownerId);
      task.assertVersion(cmd.expectedVersion);
      const before = task.version;
      const now = this.clock.now();
      const fields: Partial<TaskFields> =
        cmd.mode === 'replace'
          ? {
              title: cmd.fields.title ?? '',
              description: cmd.fields.description ?? '',
              priority: cmd.fields.priority ?? 'medium',
              dueDate: cmd.fields.dueDate ?? null,
            }
          : cmd.fields;
      const events = [...task.update(fields, now), ...(cmd.status ? task.changeStatus(cmd.status, now) : [])];
      if (events.length === 0) return task.snapshot();
      const state = task.snapshot();
      await this.tasks.update(state, before);
      await this.events.append(toNewEvents(state.id, events));
      return state;
    });
  }
}
