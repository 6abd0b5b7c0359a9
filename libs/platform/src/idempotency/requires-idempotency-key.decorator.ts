import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import {
  IDEMPOTENCY_HEADER_DESCRIPTION,
  IDEMPOTENCY_IGNORED_DESCRIPTION,
  IDEMPOTENCY_OUTCOME_ONLY_DESCRIPTION,
} from './idempotency.openapi.js';

export const REQUIRES_IDEMPOTENCY_KEY = Symbol('requiresIdempotencyKey');

/** The route refuses a request without `Idempotency-Key` (400), and says so in the OpenAPI document. */
export function RequiresIdempotencyKey(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRES_IDEMPOTENCY_KEY, true),
    ApiHeader({
      name: 'Idempotency-Key',
      required: true,
      description: IDEMPOTENCY_HEADER_DESCRIPTION,
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    }),
  );
}

export const IDEMPOTENCY_EXEMPT = Symbol('idempotencyExempt');

/**
 * The route ignores `Idempotency-Key` (no claim, no record, no replay), e.g. `POST /auth/login`,
 * whose response holds fresh tokens that should not be kept for 24 h. Use sparingly: such a
 * route must be safe to repeat on its own.
 */
export function IdempotencyExempt(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(IDEMPOTENCY_EXEMPT, true),
    ApiHeader({ name: 'Idempotency-Key', required: false, description: IDEMPOTENCY_IGNORED_DESCRIPTION }),
  );
}

export const IDEMPOTENCY_RESPONSE_NOT_KEPT = Symbol('idempotencyResponseNotKept');

/**
 * The route's response is never kept (neither in the store nor on the key's row), for answers
 * holding a secret shown once (`POST /webhooks`). The key still records the command's outcome
 * in its transaction, so a keyed retry executes nothing again: its answer is rebuilt from the
 * committed outcome, which must not hold the secret (docs/decisions/0073).
 */
export function IdempotentResponseNotKept(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(IDEMPOTENCY_RESPONSE_NOT_KEPT, true),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: IDEMPOTENCY_OUTCOME_ONLY_DESCRIPTION,
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    }),
  );
}
