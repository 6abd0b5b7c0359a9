import { Global, Module } from '@nestjs/common';
import { PrismaEventStore } from './adapters/prisma-event-store.js';
import { ConsistentReadInterceptor } from './consistency/consistent-read.js';
import { ProjectionWaiter } from './consistency/projection-waiter.js';
import { EventSignal } from './engine/event-signal.js';
import { EventStore } from './ports/event-store.js';

/** The event log: slices inject EventStore to append inside their unit of work. */
@Global()
@Module({
  providers: [EventSignal, ProjectionWaiter, ConsistentReadInterceptor, { provide: EventStore, useClass: PrismaEventStore }],
  exports: [EventStore, EventSignal, ProjectionWaiter, ConsistentReadInterceptor],
})
export class EventsModule {}
