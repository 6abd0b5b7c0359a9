import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { drainUnreadBody } from './client-errors.js';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import { API_SECURITY_HEADERS } from './security-headers.js';
import { toProblem } from './to-problem.js';

const logger = new Logger('Problem');

/** Sends any error as problem+json; unexpected ones are logged with their stack, never sent. */
export function sendProblem(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { problem, headers, unexpected } = toProblem(err);
  if (unexpected) logger.error({ err, requestId: request.id }, 'unhandled error');
  problem.instance = request.url.split('?')[0];
  problem.requestId = String(request.id);
  if (hasUnreadBody(request)) {
    // Fastify closes the connection after a body it refused mid-read; the client, still sending,
    // would then meet a reset before it reads this answer. The rest of the body is read instead
    // (up to a bound) and the connection stays usable.
    reply.removeHeader('connection');
    drainUnreadBody(request.raw);
  }
  return reply
    .status(problem.status)
    .headers(headers)
    .header('x-request-id', problem.requestId)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problem);
}

function hasUnreadBody(request: FastifyRequest): boolean {
  const { headers, complete } = request.raw;
  return (
    !complete &&
    ((headers['content-length'] !== undefined && headers['content-length'] !== '0') ||
      headers['transfer-encoding'] !== undefined)
  );
}

/**
 * Fastify's `frameworkErrors`: errors its router raises before any route or hook runs (a path
 * that is not valid percent-encoded UTF-8, a path parameter over `maxParamLength`).
 */
export function sendFrameworkError(err: Error, request: FastifyRequest, reply: FastifyReply): void {
  sendProblem(err, request, reply.headers(API_SECURITY_HEADERS));
}

/** The global Nest filter: everything thrown inside Nest's pipeline. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}
