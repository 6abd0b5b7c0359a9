import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock, UnitOfWork } from '@app/shared-kernel';
import { EventStore } from '@app/events/ports';
import { Task, type TaskState } from '../../../domain/task.js';
import { TaskIds } from '../../../ports/task-ids.js';
import { TaskRepository } from '../../../ports/task.repository.js';
import { toNewEvents } from '../to-new-events.js';
import { CreateTaskCommand } from './create-task.command.js';

@CommandHandler(CreateTaskCommand)
export class CreateTaskHandler implements ICommandHandler<CreateTaskCommand> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tasks: TaskRepository,
    private readonly events: EventStore,
    private readonly ids: TaskIds,
    private readonly clock: Clock,
  ) {}

  execute(cmd: CreateTaskCommand): Promise<TaskState> {
    return this.uow.run(async () => {
      const { task, events } = Task.create({
        id: this.ids.next(),
        ownerId: cmd.ownerId,
        now: this.clock.now(),
        title: cmd.title,
        description: cmd.description,
        priority: cmd.priority,
        dueDate: cmd.dueDate,
      });
      const state = task.snapshot();
      await this.tasks.insert(state);
      await this.events.append(toNewEvents(state.id, events));
      return state;
    });
  }
}
