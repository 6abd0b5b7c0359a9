import { Controller, Get, Headers, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { type AuthenticatedUser, Authenticated, CurrentUser } from '@app/access';
import { ProblemException, ValidQuery, PageLimit } from '@app/platform';
import { EventFeed, type FeedPage } from '../feed/event-feed.js';
import { FeedPageResponse } from './events.openapi.js';
import { EventStreams } from '../feed/event-streams.js';

const BAD_CURSOR = 'after must be a nextCursor this API returned';

export class FeedRequest {
  @ApiPropertyOptional({ description: 'Only events of this type, e.g. `task.created`.', minLength: 1, maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  type?: string;

  @ApiPropertyOptional({
    description: 'The `nextCursor` of the previous page (opaque).',
    pattern: '^[A-Za-z0-9_-]{1,60}$',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,60}$/, { message: BAD_CURSOR })
  after?: string;

  @PageLimit()
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
  @ApiOperation({
    summary:
      "The caller's own events in commit order: {items, nextCursor}; pass nextCursor back as `after` (an opaque commit-order point: paging never skips an event).",
  })
  @ApiOkResponse({ type: FeedPageResponse })
  async page(@CurrentUser() user: AuthenticatedUser, @ValidQuery() query: FeedRequest): Promise<FeedPage> {
    const after = query.after === undefined ? undefined : await this.feed.resolveCursor(query.after);
    if (query.after !== undefined && !after) {
      throw new ProblemException(422, 'invalid-cursor', `${BAD_CURSOR}.`, {
        errors: [{ field: 'after', message: BAD_CURSOR }],
      });
    }
    return this.feed.page(user.id, { type: query.type, after, limit: query.limit ?? 20 });
  }

  @Get('stream')
  @Authenticated()
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary:
      "Server-sent events of the caller's own events in commit order; `id` is an opaque cursor, resumable with Last-Event-ID; a heartbeat comment every 15 s.",
  })
  @ApiOkResponse({
    description: 'One `event:` (its type), `id:` (its feed cursor) and `data:` (the feed item as JSON) per event.',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiBadRequestResponse({
    description: 'invalid-last-event-id: Last-Event-ID is not the id of an event this stream sent.',
  })
  async stream(
    @CurrentUser() user: AuthenticatedUser,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const after =
      lastEventId === undefined || lastEventId === '' ? undefined : await this.feed.resolveCursor(lastEventId);
    if (lastEventId !== undefined && lastEventId !== '' && !after) {
      throw new ProblemException(
        400,
        'invalid-last-event-id',
        'Last-Event-ID must be the id of an event this stream sent.',
      );
    }
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    await this.streams.run(user.id, after, reply.raw);
  }
}
