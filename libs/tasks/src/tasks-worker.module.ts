import { Module } from '@nestjs/common';
import { EventsModule } from '@app/events';
import { AppConfig } from '@app/platform';
import { HeuristicTaskAnalyser } from './adapters/heuristic-task.analyser.js';
import { LlmTaskAnalyser } from './adapters/llm-task.analyser.js';
import { taskCacheProviders } from './adapters/redis-task.cache.js';
import { TaskEnrichmentSubscriber } from './enrichment/task-enrichment.subscriber.js';
import { TaskAnalyser } from './ports/task-analyser.js';
import { TaskHistoryProjector } from './projections/task-history.projector.js';
import { TasksReadProjector } from './projections/tasks-read.projector.js';

/**
 * The tasks slice's background side, imported by WorkerModule (the worker process, or the API in
 * single-instance mode): the tasks_read and task_history projectors and the enrichment subscriber, which the
 * events engine discovers by their @EventConsumer() decorator. Kept apart from TasksModule so
 * that each consumer is registered exactly once and the worker serves no task routes.
 */
@Module({
  imports: [EventsModule],
  providers: [
    ...taskCacheProviders,
    HeuristicTaskAnalyser,
    {
      provide: TaskAnalyser,
      inject: [AppConfig, HeuristicTaskAnalyser],
      useFactory: (config: AppConfig, heuristic: HeuristicTaskAnalyser): TaskAnalyser => {
        const { baseUrl, model, apiKey, timeoutMs, retries } = config.llm;
        return baseUrl && model
          ? new LlmTaskAnalyser({ baseUrl, model, apiKey, timeoutMs, retries }, heuristic)
          : heuristic;
      },
    },
    TasksReadProjector,
    TaskHistoryProjector,
    TaskEnrichmentSubscriber,
  ],
})
export class TasksWorkerModule {}
