import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Max, Min, ValidateIf } from 'class-validator';

export class ListNotificationsRequest {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'true: only the unread ones.' })
  @IsOptional()
  @IsIn(['true', 'false'])
  unread?: 'true' | 'false';

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

const present = (_: object, value: unknown) => value !== undefined;

/** PATCH: either field or both. */
export class ChangeNotificationSettingsRequest {
  @ApiPropertyOptional({
    description: 'Send notifications by email too (stored only while no SMTP server is configured).',
  })
  @ValidateIf(present)
  @IsBoolean()
  email?: boolean;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 10_080,
    description: 'How many minutes before a task is due its reminder fires (default 60).',
  })
  @ValidateIf(present)
  @IsInt()
  @Min(0)
  @Max(10_080)
  reminderLeadMinutes?: number;
}
