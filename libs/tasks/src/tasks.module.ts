import { randomUUID } from 'node:crypto';
import { Module, type Provider } from '@nestjs/common';
import { EventsModule } from '@app/events';
import { Clock, SystemClock } from '@app/shared-kernel';
import { KyselyTaskHistoryReadModel } from './adapters/kysely-task-history.read-model.js';
import { KyselyTaskReadModel } from './adapters/kysely-task.read-model.js';
import { KyselyTaskRepository } from './adapters/kysely-task.repository.js';
import { taskCacheProviders } from './adapters/redis-task.cache.js';
import { ChangeStatusHandler } from './application/commands/change-status/change-status.handler.js';
import { CreateTaskHandler } from './application/commands/create-task/create-task.handler.js';
import { DeleteTaskHandler } from './application/commands/delete-task/delete-task.handler.js';
import { UpdateTaskHandler } from './application/commands/update-task/update-task.handler.js';
import { GetTaskHistoryHandler } from './application/queries/get-task-history/get-task-history.handler.js';
import { GetTaskHandler } from './application/queries/get-task/get-task.handler.js';
import { ListTasksHandler } from './application/queries/list-tasks/list-tasks.handler.js';
import { TaskStatsHandler } from './application/queries/task-stats/task-stats.handler.js';
import { TasksController } from './http/tasks.controller.js';
import { TaskHistoryReadModel } from './ports/task-history.read-model.js';
import { TaskIds } from './ports/task-ids.js';
import { TaskReadModel } from './ports/task-read-model.js';
import { TaskRepository } from './ports/task.repository.js';

const providers: Provider[] = [
  { provide: TaskRepository, useClass: KyselyTaskRepository },
  { provide: TaskReadModel, useClass: KyselyTaskReadModel },
  { provide: TaskHistoryReadModel, useClass: KyselyTaskHistoryReadModel },
  ...taskCacheProviders,
  { provide: TaskIds, useValue: { next: () => randomUUID() } },
  { provide: Clock, useClass: SystemClock },
  CreateTaskHandler,
  UpdateTaskHandler,
  ChangeStatusHandler,
  DeleteTaskHandler,
  GetTaskHandler,
  ListTasksHandler,
  TaskStatsHandler,
  GetTaskHistoryHandler,
];

/** The tasks slice's HTTP side: commands and queries. Its consumers live in TasksWorkerModule. */
@Module({
  imports: [EventsModule],
  controllers: [TasksController],
  providers,
  exports: [TaskReadModel],
})
export class TasksModule {}
