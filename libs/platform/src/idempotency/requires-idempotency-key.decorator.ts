import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { IDEMPOTENCY_HEADER_DESCRIPTION } from './idempotency.openapi.js';

export const REQUIRES_IDEMPOTENCY_KEY = Symbol('requiresIdempotencyKey');

/** The route refuses a request without `Idempotency-Key` (400), and says so in the OpenAPI document. */
export function RequiresIdempotencyKey(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRES_IDEMPOTENCY_KEY, true),
    ApiHeader({ name: 'Idempotency-Key', required: true, description: IDEMPOTENCY_HEADER_DESCRIPTION, schema: { type: 'string', minLength: 1, maxLength: 255 } }),
  );
}
