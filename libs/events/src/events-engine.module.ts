import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { EventsEngine } from './engine/events-engine.js';
import { EventsModule } from './events.module.js';

/** The engine that runs the slices' projectors and subscribers; imported by WorkerModule. */
@Module({
  imports: [DiscoveryModule, EventsModule],
  providers: [EventsEngine],
  exports: [EventsEngine],
})
export class EventsEngineModule {}
