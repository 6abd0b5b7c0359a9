import { UseInterceptors } from '@nestjs/common';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';

/**
 * The route keeps and replays its response by `Idempotency-Key` (docs/decisions/0030): every POST
 * and PATCH route declares it (test/e2e/write-interceptors.e2e-spec.ts checks that none is left
 * out), unless it is `@IdempotencyExempt()`. On the route rather than global: a global
 * interceptor puts Nest's interceptor chain in front of every read, about 40 µs per request
 * (docs/decisions/0069).
 */
export function Idempotent(): MethodDecorator {
  return UseInterceptors(IdempotencyInterceptor);
}
