import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, Length, Matches, MaxLength, ValidateIf } from 'class-validator';
import { TASK_PRIORITIES, TASK_STATUSES, type TaskPriority, type TaskStatus } from '../domain/task.js';
import { PageCursor, PageLimit } from '@app/platform';

/**
 * `dueDate` on POST, PUT and PATCH: an ISO-8601 date-time, or null for none; absent is none on
 * POST and PUT and leaves it as it is on PATCH. The list is the stack it replaces read bottom-up
 * (applyDecorators runs it first to last): the validation messages keep their order.
 */
const WriteDueDate = (): PropertyDecorator =>
  applyDecorators(
    IsISO8601({ strict: true }),
    ValidateIf((_, v) => v !== null),
    IsOptional(),
    ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }),
  );

export class CreateTaskRequest {
  @ApiProperty({ minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  title!: string;

  @ApiPropertyOptional({ maxLength: 10_000 })
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  description?: string;

  @ApiPropertyOptional({ enum: TASK_PRIORITIES, default: 'medium' })
  @IsOptional()
  @IsIn(TASK_PRIORITIES)
  priority?: TaskPriority;

  @WriteDueDate()
  dueDate?: string | null;
}

/** PUT: the whole task (absent optional fields fall back to their defaults); status optional. */
export class ReplaceTaskRequest extends CreateTaskRequest {
  @ApiPropertyOptional({ enum: TASK_STATUSES })
  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: TaskStatus;
}

/**
 * A PATCH field is absent or valid: null is not "absent" (class-validator's IsOptional would let
 * it through to the domain), only dueDate may be null (it clears the date).
 */
const present = (_: object, value: unknown) => value !== undefined;

/** PATCH: any subset; `status` alone is a status change, with other fields both happen in one transaction. */
export class UpdateTaskRequest {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  @ValidateIf(present)
  @IsString()
  @Length(1, 200)
  title?: string;

  @ApiPropertyOptional({ maxLength: 10_000 })
  @ValidateIf(present)
  @IsString()
  @MaxLength(10_000)
  description?: string;

  @ApiPropertyOptional({ enum: TASK_PRIORITIES })
  @ValidateIf(present)
  @IsIn(TASK_PRIORITIES)
  priority?: TaskPriority;

  @WriteDueDate()
  dueDate?: string | null;

  @ApiPropertyOptional({ enum: TASK_STATUSES })
  @ValidateIf(present)
  @IsIn(TASK_STATUSES)
  status?: TaskStatus;
}

export class ListTasksRequest {
  @ApiPropertyOptional({ enum: TASK_STATUSES })
  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: TaskStatus;

  @ApiPropertyOptional({ enum: TASK_PRIORITIES })
  @IsOptional()
  @IsIn(TASK_PRIORITIES)
  priority?: TaskPriority;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  dueBefore?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  dueAfter?: string;

  @ApiPropertyOptional({ description: 'Full-text search over title and description (all words must match).' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;

  @ApiPropertyOptional({
    description: 'createdAt | dueDate | priority, prefixed with - for descending',
    default: '-createdAt',
  })
  @IsOptional()
  @Matches(/^-?(createdAt|dueDate|priority)$/, {
    message: 'sort must be createdAt, dueDate or priority, optionally prefixed with -',
  })
  sort?: string;

  @PageLimit()
  limit?: number;

  @PageCursor()
  cursor?: string;
}

export class TaskHistoryRequest {
  @PageLimit()
  limit?: number;

  @PageCursor()
  cursor?: string;
}
