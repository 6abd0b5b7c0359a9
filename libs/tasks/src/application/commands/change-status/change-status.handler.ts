import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock, UnitOfWork } from '@app/shared-kernel';
import { EventStore } from '@app/events/ports';
import type { TaskState } from '../../../domain/task.js';
import { TaskRepository } from '../../../ports/task.repository.js';
import { loadOwned } from '../load-owned.js';
import { toNewEvents } from '../to-new-events.js';
import { ChangeStatusCommand } from './change-status.command.js';

@CommandHandler(ChangeStatusCommand)
export class ChangeStatusHandler implements ICommandHandler<ChangeStatusCommand> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tasks: TaskRepository,
    private readonly events: EventStore,
    private readonly clock: Clock,
  ) {}

  execute(cmd: ChangeStatusCommand): Promise<TaskState> {
    return this.uow.run(async () => {
      const task = await loadOwned(this.tasks, cmd.taskId, cmd.ownerId);
      task.assertVersion(cmd.expectedVersion);
      const before = task.version;
      const events = task.changeStatus(cmd.status, this.clock.now());
      const state = task.snapshot();
      if (events.length === 0) return state;
      await this.tasks.update(state, before);
      await this.events.append(toNewEvents(state.id, events));
      return state;
    });
  }
}
