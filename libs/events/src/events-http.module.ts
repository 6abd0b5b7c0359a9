import { Module } from '@nestjs/common';
import { DeadLetters } from './dead-letters/dead-letters.js';
import { RetryDeadLetterHandler } from './dead-letters/retry-dead-letter.handler.js';
import { EventsModule } from './events.module.js';
import { EventFeed } from './feed/event-feed.js';
import { EventStreams } from './feed/event-streams.js';
import { DeadLettersController } from './http/dead-letters.controller.js';
import { EventsController } from './http/events.controller.js';

/**
 * The HTTP side of the events, imported by the API: the caller's feed (page and SSE stream) and
 * the admin's dead letters.
 */
@Module({
  imports: [EventsModule],
  controllers: [EventsController, DeadLettersController],
  providers: [EventFeed, EventStreams, DeadLetters, RetryDeadLetterHandler],
})
export class EventsHttpModule {}
