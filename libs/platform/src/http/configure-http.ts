import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { requestContext } from '../context/request-context.js';
import { ProblemException } from './problem.js';
import { hasInvalidRequestId } from './request-id.js';
import { createValidationPipe } from './validation.js';
import { ProblemFilter } from './problem.filter.js';
import { runResponseCapture } from './response-capture.js';
import { documentIdempotency } from '../idempotency/idempotency.openapi.js';

export const API_PREFIX = 'api/v1';
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const OPERATIONS_ROUTES = ['health', 'ready', 'metrics', 'docs', 'docs-json'];

/**
 * Everything about HTTP that is the same for every route: JSON-only bodies, problem+json for
 * every error (Nest's and Fastify's), request ids, security headers, validation, OpenAPI.
 */
export async function configureHttp(app: NestFastifyApplication, options: { openApi?: boolean } = {}): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;

  // JSON only: a text/plain or form body is a 415, not a string handed to a handler.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, fastify.getDefaultJsonParser('error', 'error'));

  fastify.addHook('onRequest', async (request) => {
    const traceparent = request.headers.traceparent;
    requestContext.enter({
      requestId: request.id,
      correlationId: request.id,
      traceparent: typeof traceparent === 'string' && TRACEPARENT.test(traceparent) ? traceparent : undefined,
    });
    if (hasInvalidRequestId(request.raw)) {
      throw new ProblemException(400, 'bad-header', 'X-Request-Id must be 1 to 200 visible ASCII characters.');
    }
  });
  fastify.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    await runResponseCapture(request, reply, payload);
    return payload;
  });

  await app.register(helmet as never, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: [`'self'`],
        styleSrc: [`'self'`, `'unsafe-inline'`],
        imgSrc: [`'self'`, 'data:'],
        scriptSrc: [`'self'`, `'unsafe-inline'`],
      },
    },
  });

  app.setGlobalPrefix(API_PREFIX, { exclude: OPERATIONS_ROUTES });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemFilter());

  if (options.openApi !== false) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Task backend')
        .setDescription('Task management API. Errors are RFC 9457 application/problem+json.')
        .setVersion('1')
        .addBearerAuth()
        .build(),
    );
    documentIdempotency(document);
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  }
}
