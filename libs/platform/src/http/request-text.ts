import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FieldError } from '@app/shared-kernel';
import { ProblemException } from './problem.js';

/** JSON bodies nested deeper than this are refused with a 400 before any handler runs. */
export const MAX_JSON_DEPTH = 64;

const MALFORMED = 'must not contain NUL characters or unpaired UTF-16 surrogates';
/** Enough to name the fields at fault without echoing a hostile body back in full. */
const MAX_REPORTED = 20;

/** True for text no column can store as sent: a NUL (PostgreSQL's text refuses it) or an unpaired surrogate (not UTF-8). */
export function isMalformedText(text: string): boolean {
  return text.includes('\0') || !text.isWellFormed();
}

/**
 * The fields (dotted paths, as validation names them) holding malformed text in a parsed JSON
 * value or query object: string values and property names alike.
 */
export function malformedTextFields(value: unknown, prefix = ''): string[] {
  const found: string[] = [];
  const visit = (v: unknown, path: string): void => {
    if (found.length >= MAX_REPORTED) return;
    if (typeof v === 'string') {
      if (isMalformedText(v)) found.push(path || '(body)');
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => visit(item, path ? `${path}.${i}` : String(i)));
    } else if (v !== null && typeof v === 'object') {
      for (const [key, item] of Object.entries(v)) {
        const field = path ? `${path}.${key}` : key;
        if (isMalformedText(key)) found.push(field);
        else visit(item, field);
      }
    }
  };
  visit(value, prefix);
  return found;
}

/** Whether any string value or property name in a parsed JSON value or query object is malformed text; allocates nothing. */
export function holdsMalformedText(value: unknown): boolean {
  if (typeof value === 'string') return isMalformedText(value);
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (const item of value) if (holdsMalformedText(item)) return true;
    return false;
  }
  for (const key in value) {
    if (isMalformedText(key) || holdsMalformedText((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/** Whether a parsed JSON value nests arrays and objects deeper than `max` levels (walked without recursion). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const item of Array.isArray(v) ? v : Object.values(v))
      if (item !== null && typeof item === 'object') stack.push([item, depth + 1]);
  }
  return false;
}

function malformedInput(fields: string[]): ProblemException {
  const errors: FieldError[] = fields.map((field) => ({ field, message: `${field} ${MALFORMED}` }));
  return new ProblemException(422, 'validation-failed', 'The request has invalid fields.', { errors });
}

/**
 * One check of every route's input, before any guard, pipe or handler (a Fastify preValidation
 * hook, so routes added later are covered): text that is not valid Unicode or holds a NUL is a
 * 422 naming the field in the body or query, and a 404 in a path parameter, as an unknown id is.
 */
export function rejectMalformedText(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', (request, _reply, done) => {
    // The common case, nothing wrong, is one walk that allocates nothing; the fields are named after.
    if (holdsMalformedText(request.params))
      return done(new ProblemException(404, 'not-found', 'Nothing is found at this address.'));
    if (!holdsMalformedText(request.query) && !holdsMalformedText(request.body)) return done();
    done(malformedInput([...malformedTextFields(request.query), ...malformedTextFields(request.body)]));
  });
}

/**
 * The application/json parser: Fastify's own (prototype poisoning refused), then the nesting
 * limit. Deeply nested input would otherwise reach recursive code (validation, the JSON columns)
 * that a client could exhaust.
 */
export function parseJsonBodies(fastify: FastifyInstance, maxDepth = MAX_JSON_DEPTH): void {
  // Fastify's default JSON parser is the callback form of FastifyBodyParser: it calls `done`, returns nothing.
  const parse = fastify.getDefaultJsonParser('error', 'error') as (
    request: FastifyRequest,
    body: string,
    done: (err: Error | null, value?: unknown) => void,
  ) => void;
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parse(request, body as string, (err, value) => {
      if (err) return done(err, undefined);
      if (nestsDeeperThan(value, maxDepth))
        return done(
          new ProblemException(400, 'json-too-deep', `The JSON body nests deeper than ${maxDepth} levels.`),
          undefined,
        );
      done(null, value);
    });
  });
}
