import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiAcceptedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { DeadLetterPageResponse, DeadLetterResponse } from './events.openapi.js';
import { IsOptional, IsString, Length } from 'class-validator';
import { AdminOnly } from '@app/access';
import { DomainError, uuidOrNotFound } from '@app/shared-kernel';
import { Idempotent, ValidQuery, PageLimit } from '@app/platform';
import { type DeadLetterView, DeadLetters } from '../dead-letters/dead-letters.js';
import { RetryDeadLetterCommand } from '../dead-letters/retry-dead-letter.command.js';

export class DeadLettersRequest {
  @ApiPropertyOptional({ description: 'Only the letters of this consumer.', minLength: 1, maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  consumer?: string;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page (opaque).', minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  cursor?: string;

  @PageLimit()
  limit?: number;
}

const deadLetterNotFound = () => new DomainError('not_found', 'dead-letter-not-found', 'No dead letter has this id.');
const checkId = (id: string) => uuidOrNotFound(id, deadLetterNotFound);

/** Admin: events a consumer gave up on; retry (asynchronous, by the worker) or discard one. */
@ApiTags('admin')
@Controller('admin/dead-letters')
@AdminOnly()
export class DeadLettersController {
  constructor(
    private readonly deadLetters: DeadLetters,
    private readonly commands: CommandBus,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Dead letters by event position: {items, nextCursor}.' })
  @ApiOkResponse({ type: DeadLetterPageResponse })
  list(@ValidQuery() query: DeadLettersRequest): Promise<{ items: DeadLetterView[]; nextCursor: string | null }> {
    return this.deadLetters.list({ consumer: query.consumer, cursor: query.cursor, limit: query.limit ?? 20 });
  }

  @Post(':id/retry')
  @Idempotent()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Asks the worker running the consumer to handle the event again (202); success removes the dead letter.',
  })
  @ApiAcceptedResponse({ type: DeadLetterResponse })
  @ApiNotFoundResponse({ description: 'dead-letter-not-found' })
  retry(@Param('id') id: string): Promise<DeadLetterView> {
    return this.commands.execute(new RetryDeadLetterCommand(checkId(id)));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Discards a dead letter: the event stays skipped for that consumer.' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'dead-letter-not-found' })
  async discard(@Param('id') id: string): Promise<void> {
    await this.deadLetters.discard(checkId(id));
  }
}
