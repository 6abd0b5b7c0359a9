import { ApiProperty } from '@nestjs/swagger';

// OpenAPI shapes of the events slice's answers (FeedPage, DeadLetterView).

export class FeedItemResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'task.created' }) type!: string;
  @ApiProperty({
    description:
      'The event position in the log (a decimal string). Pages follow commit order, which may differ from position order: page with `nextCursor`, not with positions.',
  })
  position!: string;
  @ApiProperty({ format: 'uuid' }) aggregateId!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "The event's payload, as its type defines it.",
  })
  payload!: unknown;
}

export class FeedPageResponse {
  @ApiProperty({ type: [FeedItemResponse] }) items!: FeedItemResponse[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'An opaque commit-order point: pass back as `after` for the next page; null on the last one.',
  })
  nextCursor!: string | null;
}

export class DeadLetterResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'tasks_read' }) consumer!: string;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty() eventPosition!: string;
  @ApiProperty() eventType!: string;
  @ApiProperty({ description: 'The last failure, as the handler threw it.' }) error!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ format: 'date-time' }) firstFailedAt!: string;
  @ApiProperty({ format: 'date-time' }) lastFailedAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) retryRequestedAt!: string | null;
}

export class DeadLetterPageResponse {
  @ApiProperty({ type: [DeadLetterResponse] }) items!: DeadLetterResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
