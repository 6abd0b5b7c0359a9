import { Module } from '@nestjs/common';
import { EventsEngineModule } from '@app/events';
import { NotificationsWorkerModule } from '@app/notifications';
import { SignupProjectionsModule } from '@app/signup';
import { TasksWorkerModule } from '@app/tasks';

/**
 * The background side: projectors, subscribers and publishers that the slices register.
 * Run by apps/worker, or inside the API process in single-instance mode.
 */
@Module({ imports: [EventsEngineModule, SignupProjectionsModule, TasksWorkerModule, NotificationsWorkerModule] })
export class WorkerModule {}
