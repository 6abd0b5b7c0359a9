import { randomUUID } from 'node:crypto';
import { Module, type Provider } from '@nestjs/common';
import { EventsModule } from '@app/events';
import { AppConfig } from '@app/platform';
import { Clock, SystemClock } from '@app/shared-kernel';
import { HeuristicTaskAnalyser } from './adapters/heuristic-task.analyser.js';
import { LlmTaskAnalyser } from './adapters/llm-task.analyser.js';
import { PgTaskReadModel } from './adapters/pg-task.read-model.js';
import { PrismaTaskRepository } from './adapters/prisma-task.repository.js';
import { RedisTaskCache } from './adapters/redis-task.cache.js';
import { ChangeStatusHandler } from './application/commands/change-status/change-status.handler.js';
import { CreateTaskHandler } from './application/commands/create-task/create-task.handler.js';
import { DeleteTaskHandler } from './application/commands/delete-task/delete-task.handler.js';
import { UpdateTaskHandler } from './application/commands/update-task/update-task.handler.js';
import { GetTaskHandler } from './application/queries/get-task/get-task.handler.js';
import { ListTasksHandler } from './application/queries/list-tasks/list-tasks.handler.js';
import { TaskStatsHandler } from './application/queries/task-stats/task-stats.handler.js';
import { TaskEnrichmentSubscriber } from './enrichment/task-enrichment.subscriber.js';
import { TasksController } from './http/tasks.controller.js';
import { TaskAnalyser } from './ports/task-analyser.js';
import { TaskCache } from './ports/task-cache.js';
import { TaskIds } from './ports/task-ids.js';
import { TaskReadModel } from './ports/task-read-model.js';
import { TaskRepository } from './ports/task.repository.js';
import { TasksReadProjector } from './projections/tasks-read.projector.js';

export const TASK_CACHE_PREFIX = 'TASK_CACHE_PREFIX';

const providers: Provider[] = [
  { provide: TaskRepository, useClass: PrismaTaskRepository },
  { provide: TaskReadModel, useClass: PgTaskReadModel },
  { provide: TaskCache, useClass: RedisTaskCache },
  { provide: TASK_CACHE_PREFIX, useValue: 'task:' },
  { provide: TaskIds, useValue: { next: () => randomUUID() } },
  { provide: Clock, useClass: SystemClock },
  HeuristicTaskAnalyser,
  {
    provide: TaskAnalyser,
    inject: [AppConfig, HeuristicTaskAnalyser],
    useFactory: (config: AppConfig, heuristic: HeuristicTaskAnalyser): TaskAnalyser => {
      const { baseUrl, model, apiKey, timeoutMs, retries } = config.llm;
      return baseUrl && model ? new LlmTaskAnalyser({ baseUrl, model, apiKey, timeoutMs, retries }, heuristic) : heuristic;
    },
  },
  CreateTaskHandler,
  UpdateTaskHandler,
  ChangeStatusHandler,
  DeleteTaskHandler,
  GetTaskHandler,
  ListTasksHandler,
  TaskStatsHandler,
  TasksReadProjector,
  TaskEnrichmentSubscriber,
];

/** The tasks slice: commands, queries, the tasks_read projector and the enrichment subscriber. */
@Module({
  imports: [EventsModule],
  controllers: [TasksController],
  providers,
  exports: [TaskReadModel],
})
export class TasksModule {}
