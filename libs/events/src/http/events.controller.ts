import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { type AuthenticatedUser, Authenticated, CurrentUser } from '@app/access';
import { ProblemException, ValidQuery } from '@app/platform';
import { EventFeed, type FeedPage } from '../feed/event-feed.js';
import { FeedPageResponse } from './events.openapi.js';
import { EventStreams } from '../feed/event-streams.js';

export class FeedRequest {
  @IsOptional() @IsString() @Length(1, 100)
  type?: string;

  @IsOptional() @Matches(/^\d{1,18}$/, { message: 'after must be an event position (a whole number)' })
  after?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit?: number;
}

/** The caller's activity feed: their own events, as a page or as a live stream. */
@ApiTags('events')
@Controller('events')
export class EventsController {
  constructor(
    private readonly feed: EventFeed,
    private readonly streams: EventStreams,
  ) {}

  @Get()
  @Authenticated()
  @ApiOperation({ summary: "The caller's own events by position: {items, nextCursor}; pass nextCursor back as `after`." })
  @ApiOkResponse({ type: FeedPageResponse })
  page(@CurrentUser() user: AuthenticatedUser, @ValidQuery() query: FeedRequest): Promise<FeedPage> {
    return this.feed.page(user.id, { type: query.type, after: query.after ? BigInt(query.after) : undefined, limit: query.limit ?? 20 });
  }

  @Get('stream')
  @Authenticated()
  @ApiProduces('text/event-stream')
  @ApiOperation({ summary: "Server-sent events of the caller's own events; `id` is the position, resumable with Last-Event-ID; a heartbeat comment every 15 s." })
  @ApiOkResponse({ description: 'One `event:` (its type), `id:` (its position) and `data:` (the feed item as JSON) per event.', content: { 'text/event-stream': { schema: { type: 'string' } } } })
  @ApiBadRequestResponse({ description: 'invalid-last-event-id: Last-Event-ID is not the id of an event this stream sent.' })
  async stream(@CurrentUser() user: AuthenticatedUser, @Headers('last-event-id') lastEventId: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    if (lastEventId !== undefined && !/^\d{1,18}$/.test(lastEventId)) {
      throw new ProblemException(400, 'invalid-last-event-id', 'Last-Event-ID must be the id of an event this stream sent.');
    }
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    await this.streams.run(user.id, BigInt(lastEventId ?? 0), reply.raw);
  }
}
