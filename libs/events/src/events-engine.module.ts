import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Clock, SystemClock } from '@app/shared-kernel';
import { EventsEngine } from './engine/events-engine.js';
import { EventsMetrics } from './engine/events-metrics.js';
import { ProjectionRebuilder } from './engine/projection-rebuilder.js';
import { EventsModule } from './events.module.js';
import { IntegrationPublisher } from './publishing/integration-publisher.js';
import { TimerMetrics } from './timers/timer-metrics.js';
import { TimerScheduler } from './timers/timer-scheduler.js';

/** The engine that runs the slices' projectors and subscribers, and fires the timers; imported by WorkerModule. */
@Module({
  imports: [DiscoveryModule, EventsModule],
  providers: [
    EventsEngine,
    ProjectionRebuilder,
    EventsMetrics,
    IntegrationPublisher,
    TimerScheduler,
    TimerMetrics,
    { provide: Clock, useClass: SystemClock },
  ],
  exports: [EventsEngine, ProjectionRebuilder, TimerScheduler],
})
export class EventsEngineModule {}
