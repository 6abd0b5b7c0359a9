import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock, UnitOfWork } from '@app/shared-kernel';
import { EventStore } from '@app/events/ports';
import { TaskRepository } from '../../../ports/task.repository.js';
import { loadOwned } from '../load-owned.js';
import { toNewEvents } from '../to-new-events.js';
import { DeleteTaskCommand } from './delete-task.command.js';

/** Deletes the write row; the task.deleted event keeps its history and removes the read row. */
@CommandHandler(DeleteTaskCommand)
export class DeleteTaskHandler implements ICommandHandler<DeleteTaskCommand> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tasks: TaskRepository,
    private readonly events: EventStore,
    private readonly clock: Clock,
  ) {}

  execute(cmd: DeleteTaskCommand): Promise<void> {
    return this.uow.run(async () => {
      const task = await loadOwned(this.tasks, cmd.taskId, cmd.ownerId);
      task.assertVersion(cmd.expectedVersion);
      const before = task.version;
      const events = task.delete(this.clock.now());
      await this.tasks.delete(task.id, before);
      await this.events.append(toNewEvents(task.id, events));
    });
  }
}
