import { ValidationError, ValidationPipe } from '@nestjs/common';
import type { FieldError } from '@app/shared-kernel';
import { ProblemException } from './problem.js';

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return own.concat(flatten(e.children ?? [], field));
  });
}

/** class-validator on every body and query: unknown fields rejected, failures as 422 with errors[]. */
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
