import { Global, Module } from '@nestjs/common';
import { KyselyEventStore } from './adapters/kysely-event-store.js';
import { ConsistentReadGuard } from './consistency/consistent-read.js';
import { ProjectionWaiter } from './consistency/projection-waiter.js';
import { EventSignal } from './engine/event-signal.js';
import { EventStore } from './ports/event-store.js';
import { Timers } from './ports/timers.js';
import { KyselyTimers } from './adapters/kysely-timers.js';
import { TimerSignal } from './timers/timer-signal.js';

/** The event log and timers: slices inject EventStore and Timers to append and schedule inside their unit of work. */
@Global()
@Module({
  providers: [
    EventSignal,
    TimerSignal,
    ProjectionWaiter,
    ConsistentReadGuard,
    { provide: EventStore, useClass: KyselyEventStore },
    { provide: Timers, useClass: KyselyTimers },
  ],
  exports: [EventStore, Timers, EventSignal, TimerSignal, ProjectionWaiter, ConsistentReadGuard],
})
export class EventsModule {}
