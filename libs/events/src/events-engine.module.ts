import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { EventsEngine } from './engine/events-engine.js';
import { EventsMetrics } from './engine/events-metrics.js';
import { ProjectionRebuilder } from './engine/projection-rebuilder.js';
import { EventsModule } from './events.module.js';

/** The engine that runs the slices' projectors and subscribers; imported by WorkerModule. */
@Module({
  imports: [DiscoveryModule, EventsModule],
  providers: [EventsEngine, ProjectionRebuilder, EventsMetrics],
  exports: [EventsEngine, ProjectionRebuilder],
})
export class EventsEngineModule {}
