import { Body, Query, type Type, ValidationError, ValidationPipe } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
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
 * id or the current user included (docs/decisions/0058). configureHttp refuses to start when a
 * body or query parameter is not validated.
 */
export const ValidBody = (): ParameterDecorator => Body(VALIDATION);

/** The query string (or one of its fields), validated like ValidBody. */
export const ValidQuery = (field?: string): ParameterDecorator => (field === undefined ? Query(VALIDATION) : Query(field, VALIDATION));

const INPUTS = new Set([RouteParamtypes.BODY, RouteParamtypes.QUERY]);

/** `Controller.method` of every route parameter bound to the body or the query without ValidBody/ValidQuery. */
export function unvalidatedInputs(controllers: Type[]): string[] {
  const found: string[] = [];
  for (const controller of controllers) {
    // Routes a controller inherits count too.
    const methods = new Set<string>();
    for (let proto = controller.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const name of Object.getOwnPropertyNames(proto)) if (name !== 'constructor') methods.add(name);
    }
    for (const method of methods) {
      const args: Record<string, { pipes?: unknown[] }> = Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {};
      for (const [key, arg] of Object.entries(args)) {
        if (INPUTS.has(Number(key.split(':')[0])) && !arg.pipes?.some((pipe) => pipe instanceof ValidationPipe)) found.push(`${controller.name}.${method}`);
      }
    }
  }
  return found;
}
