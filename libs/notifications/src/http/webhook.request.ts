import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhook.js';

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

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  cursor?: string;
}
