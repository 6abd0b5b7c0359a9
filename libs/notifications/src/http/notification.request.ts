import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, Max, Min, ValidateIf } from 'class-validator';
import { PageCursor, PageLimit } from '@app/platform';

export class ListNotificationsRequest {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'true: only the unread ones.' })
  @IsOptional()
  @IsIn(['true', 'false'])
  unread?: 'true' | 'false';

  @PageLimit()
  limit?: number;

  @PageCursor()
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
