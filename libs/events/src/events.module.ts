import { Global, Module } from '@nestjs/common';
import { KyselyEventStore } from './adapters/kysely-event-store.js';
import { ConsistentReadGuard } from './consistency/consistent-read.js';
import { ProjectionWaiter } from './consistency/projection-waiter.js';
import { EventSignal } from './engine/event-signal.js';
import { EventStore } from './ports/event-store.js';

/** The event log: slices inject EventStore to append inside their unit of work. */
@Global()
@Module({
  providers: [EventSignal, ProjectionWaiter, ConsistentReadGuard, { provide: EventStore, useClass: KyselyEventStore }],
  exports: [EventStore, EventSignal, ProjectionWaiter, ConsistentReadGuard],
})
export class EventsModule {}
