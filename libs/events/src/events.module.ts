import { Global, Module } from '@nestjs/common';
import { PrismaEventStore } from './adapters/prisma-event-store.js';
import { EventSignal } from './engine/event-signal.js';
import { EventStore } from './ports/event-store.js';

/** The event log: slices inject EventStore to append inside their unit of work. */
@Global()
@Module({
  providers: [EventSignal, { provide: EventStore, useClass: PrismaEventStore }],
  exports: [EventStore, EventSignal],
})
export class EventsModule {}
