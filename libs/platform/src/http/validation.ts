import { Body, Query, ValidationError, ValidationPipe } from '@nestjs/common';
import type { FieldError } from '@app/shared-kernel';
import { ProblemException } from './problem.js';

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return own.concat(flatten(e.children ?? [], field));
  });
}

/** class-validator on a body or query: unknown fields rejected, failures as 422 with errors[]. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) =>
      new ProblemException(422, 'validation-failed', 'The request has invalid fields.', { errors: flatten(errors) }),
  });
}

const VALIDATION = createValidationPipe();

/**
 * The request body, validated against the parameter's class. Bound to the parameter rather than
 * as a global pipe, which Nest would run (asynchronously) on every parameter of every route, an
 * id or the current user included (docs/decisions/0058). The fuzz test (test/e2e/fuzz.e2e-spec.ts)
 * sends every operation of the OpenAPI document a body with an unknown field and fails when one
 * is accepted, so a route that forgets this does not pass CI; text that is not valid Unicode or
 * holds a NUL is refused for every route before this runs (request-text.ts).
 */
export const ValidBody = (): ParameterDecorator => Body(VALIDATION);

/** The query string (or one of its fields), validated like ValidBody. */
export const ValidQuery = (field?: string): ParameterDecorator =>
  field === undefined ? Query(VALIDATION) : Query(field, VALIDATION);
