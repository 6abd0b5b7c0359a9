import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

/*
 * The query fields every keyset-paged list shares. applyDecorators runs its list first to last, the
 * reverse of a stack written above a property, so each list below is the stack it replaces read
 * bottom-up: the validation messages keep their order.
 */

/** `limit`: how many items a page holds, 1 to 100 (20 when absent). */
export const PageLimit = (): PropertyDecorator =>
  applyDecorators(
    Max(100),
    Min(1),
    IsInt(),
    Type(() => Number),
    IsOptional(),
    ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 }),
  );

/** `cursor`: the opaque `nextCursor` of the previous page. */
export const PageCursor = (): PropertyDecorator =>
  applyDecorators(
    Length(1, 500),
    IsString(),
    IsOptional(),
    ApiPropertyOptional({ description: 'nextCursor of the previous page' }),
  );
