import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhook.js';
import { PageCursor, PageLimit } from '@app/platform';

export class CreateWebhookRequest {
  @ApiProperty({
    maxLength: 2048,
    example: 'https://hooks.example.com/task-backend',
    description:
      'An https:// URL (http:// too only with WEBHOOK_ALLOW_PRIVATE). Loopback, private and link-local addresses are refused when a delivery connects.',
  })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiProperty({
    type: [String],
    enum: WEBHOOK_EVENT_TYPES,
    minItems: 1,
    maxItems: 5,
    example: ['task.created', 'task.reminder_due'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5)
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  eventTypes!: string[];
}

export class ListWebhookDeliveriesRequest {
  @ApiPropertyOptional({
    enum: ['pending', 'delivered', 'dead'],
    description: 'dead: the dead letters (attempts exhausted, or the webhook was disabled).',
  })
  @IsOptional()
  @IsIn(['pending', 'delivered', 'dead'])
  status?: 'pending' | 'delivered' | 'dead';

  @PageLimit()
  limit?: number;

  @PageCursor()
  cursor?: string;
}
