import { HttpException } from '@nestjs/common';
import { DomainError, type DomainErrorKind } from '@app/shared-kernel';
import { isDatabaseUnavailable } from '../database/database-errors.js';
import { Problem, ProblemException, problemType, statusTitle } from './problem.js';

export interface ProblemResponse {
  problem: Problem;
  headers: Record<string, string>;
  /** True when the error is ours, not the client's: logged with its stack. */
  unexpected: boolean;
}

const KIND_STATUS: Record<DomainErrorKind, number> = {
  invalid: 422,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  unauthenticated: 401,
  forbidden: 403,
  rate_limited: 429,
  unavailable: 503,
};

/** Fastify's own request errors (body parsing, limits) and the problem they become. */
const FASTIFY_CODES: Record<string, { status: number; code: string; detail: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported-media-type',
    detail: 'The request body must be application/json.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'bad-content-length',
    detail: 'Content-Length does not match the body.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'malformed-json', detail: 'The JSON body is empty.' },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'body-too-large',
    detail: 'The request body is larger than allowed.',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'malformed-json', detail: 'The request body is not valid JSON.' },
  FST_ERR_BAD_URL: { status: 400, code: 'bad-url', detail: 'The URL is not validly percent-encoded UTF-8.' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'uri-too-long', detail: 'A path parameter is longer than allowed.' },
};

function build(status: number, code: string | undefined, detail: string, extra: Partial<Problem> = {}): Problem {
  return { type: problemType(code), title: statusTitle(status), status, detail, ...(code ? { code } : {}), ...extra };
}

/** The one mapping from anything thrown to RFC 9457 problem details. */
export function toProblem(err: unknown): ProblemResponse {
  const response = mapError(err);
  // RFC 9110: a 401 names the scheme it wants (RFC 6750's Bearer); a more precise challenge wins.
  if (response.problem.status === 401) response.headers['www-authenticate'] ??= 'Bearer';
  return response;
}

function mapError(err: unknown): ProblemResponse {
  const headers: Record<string, string> = {};
  if (err instanceof ProblemException) {
    if (err.extra.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.extra.retryAfterSeconds);
    Object.assign(headers, err.extra.headers);
    const extra = err.extra.errors ? { errors: err.extra.errors } : {};
    return { problem: build(err.status, err.code, err.detail, extra), headers, unexpected: false };
  }
  if (err instanceof DomainError) {
    const status = KIND_STATUS[err.kind];
    if (err.details.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.details.retryAfterSeconds);
    const extra = err.details.errors ? { errors: err.details.errors } : {};
    return { problem: build(status, err.code, err.message, extra), headers, unexpected: false };
  }
  if (err instanceof HttpException) {
    // Nest wraps Fastify's own request errors (body parsing, limits); the cause says which.
    if (err.cause) {
      const inner = mapError(err.cause);
      if (!inner.unexpected && inner.problem.code !== 'bad-request') return inner;
    }
    const status = err.getStatus();
    const body = err.getResponse();
    const detail =
      typeof body === 'string' ? body : String((body as { message?: string | string[] }).message ?? err.message);
    const code = status === 404 ? 'not-found' : status === 405 ? 'method-not-allowed' : undefined;
    return {
      problem: build(status, code, Array.isArray(detail) ? detail.join('; ') : detail),
      headers,
      unexpected: status >= 500,
    };
  }
  const fastify = err as { code?: string; statusCode?: number; message?: string };
  if (fastify?.code && FASTIFY_CODES[fastify.code]) {
    const known = FASTIFY_CODES[fastify.code];
    return { problem: build(known.status, known.code, known.detail), headers, unexpected: false };
  }
  if (err instanceof SyntaxError && fastify.statusCode === 400) {
    return { problem: build(400, 'malformed-json', 'The request body is not valid JSON.'), headers, unexpected: false };
  }
  if (isDatabaseUnavailable(err)) {
    headers['retry-after'] = '1';
    return {
      problem: build(503, 'dependency-unavailable', 'The database is unavailable; retry shortly.'),
      headers,
      unexpected: false,
    };
  }
  if (typeof fastify?.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return {
      problem: build(fastify.statusCode, 'bad-request', 'The request could not be read.'),
      headers,
      unexpected: false,
    };
  }
  return { problem: build(500, 'internal', 'An unexpected error occurred.'), headers, unexpected: true };
}
