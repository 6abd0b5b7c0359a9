import { Global, Module } from '@nestjs/common';
import { PrismaEventStore } from './adapters/prisma-event-store.js';
import { EventStore } from './ports/event-store.js';

/** The event log: slices inject EventStore to append inside their unit of work. */
@Global()
@Module({
  providers: [{ provide: EventStore, useClass: PrismaEventStore }],
  exports: [EventStore],
})
export class EventsModule {}
