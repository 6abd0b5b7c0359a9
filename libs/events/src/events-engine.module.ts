import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { EventsEngine } from './engine/events-engine.js';
import { EventsMetrics } from './engine/events-metrics.js';
import { ProjectionRebuilder } from './engine/projection-rebuilder.js';
import { EventsModule } from './events.module.js';
import { IntegrationPublisher } from './publishing/integration-publisher.js';

/** The engine that runs the slices' projectors and subscribers; imported by WorkerModule. */
@Module({
  imports: [DiscoveryModule, EventsModule],
  providers: [EventsEngine, ProjectionRebuilder, EventsMetrics, IntegrationPublisher],
  exports: [EventsEngine, ProjectionRebuilder],
})
export class EventsEngineModule {}
