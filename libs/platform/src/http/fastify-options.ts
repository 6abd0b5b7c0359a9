import type { FastifyServerOptions } from 'fastify';
import type { AppConfig } from '../config/app-config.js';
import { requestIdOf } from './request-id.js';

/** Options for the Fastify instance under Nest: body limit, request ids, proxy trust. */
export function fastifyOptions(config: AppConfig): FastifyServerOptions {
  return {
    bodyLimit: config.http.bodyLimitBytes,
    genReqId: requestIdOf,
    requestIdHeader: false,
    trustProxy: true,
    logger: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  };
}
