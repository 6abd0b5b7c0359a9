import type { Server } from 'node:http';
import type { FastifyHttpOptions, FastifyServerOptions } from 'fastify';
import type { AppConfig, TrustProxy } from '../config/app-config.js';
import { answerClientError } from './client-errors.js';
import { sendFrameworkError } from './problem.filter.js';
import { requestIdOf } from './request-id.js';

/**
 * Options for the Fastify instance under Nest: body limit, request ids, proxy trust, and
 * problem+json for the errors Node's parser and Fastify's router raise before any route runs.
 */
export function fastifyOptions(config: AppConfig): FastifyHttpOptions<Server> {
  return {
    bodyLimit: config.http.bodyLimitBytes,
    genReqId: requestIdOf,
    requestIdHeader: false,
    trustProxy: trustProxyOption(config.http.trustProxy),
    logger: false,
    clientErrorHandler: answerClientError,
    // Node answers an HTTP/1.1 request without Host with a bare 400 of its own; configureHttp
    // answers it (problem+json) instead.
    http: { requireHostHeader: false },
    frameworkErrors: sendFrameworkError,
    // configureHttp answers requests that arrive while closing (503 problem+json).
    return503OnClosing: false,
    forceCloseConnections: 'idle',
  };
}

/** TRUST_PROXY in Fastify's terms; a hop count trusts the nearest `hops` proxies (as Fastify does for a number). */
function trustProxyOption(trust: TrustProxy | undefined): FastifyServerOptions['trustProxy'] {
  if (typeof trust !== 'number') return trust ?? false;
  return (_address: string, hop: number) => hop < trust;
}
