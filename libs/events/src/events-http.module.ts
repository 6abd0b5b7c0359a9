import { Module } from '@nestjs/common';
import { ConsistencyTokenInterceptor } from './consistency/consistent-read.js';
import { DeadLetters } from './dead-letters/dead-letters.js';
import { RetryDeadLetterHandler } from './dead-letters/retry-dead-letter.handler.js';
import { EventsModule } from './events.module.js';
import { EventFeed } from './feed/event-feed.js';
import { EventStreams } from './feed/event-streams.js';
import { DeadLettersController } from './http/dead-letters.controller.js';
import { EventsController } from './http/events.controller.js';

/**
 * The HTTP side of the events, imported by the API: the consistency-token header on every
 * command response (ConsistencyTokenInterceptor, which the API applies to its write routes),
 * the caller's feed (page and SSE stream) and the admin's dead letters.
 */
@Module({
  imports: [EventsModule],
  controllers: [EventsController, DeadLettersController],
  providers: [ConsistencyTokenInterceptor, EventFeed, EventStreams, DeadLetters, RetryDeadLetterHandler],
  exports: [ConsistencyTokenInterceptor],
})
export class EventsHttpModule {}
