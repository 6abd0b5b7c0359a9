import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { Lifecycle } from '../lifecycle/lifecycle.js';
import { logRequests, REQUEST_LOGGER } from '../logging/logging.module.js';
import { instrumentHttp } from '../metrics/http-metrics.js';
import { Metrics } from '../metrics/metrics.js';
import { ProblemException } from './problem.js';
import { isQuietUrl } from './quiet-urls.js';
import { enterRequestContext, requestContextOf } from './request-scope.js';
import { hasInvalidRequestId } from './request-id.js';
import { parseJsonBodies, rejectMalformedText } from './request-text.js';
import { addSecurityHeaders } from './security-headers.js';
import { ProblemFilter } from './problem.filter.js';
import { responseCaptureOf } from './response-capture.js';
import { documentIdempotency } from '../idempotency/idempotency.openapi.js';
import { documentProblems, GLOBAL_PROBLEMS, ProblemResponse } from './problem.openapi.js';

export const API_PREFIX = 'api/v1';
/** `X-Consistency-Token`: `<transaction id>.<position>` of a response's last committed event (opaque to clients). */
export const CONSISTENCY_HEADER = 'x-consistency-token';
const OPERATIONS_ROUTES = ['health', 'ready', 'metrics', 'docs', 'docs-json'];

/** Whether the database schema is current: the routes that need it wait for it (MigrationService). */
export interface SchemaState {
  readonly known: boolean;
  isCurrent(): Promise<boolean>;
}

export interface HttpOptions {
  openApi?: boolean;
  /** Until it is current, every route but the operations routes answers 503 with Retry-After. */
  schema?: SchemaState;
  /** Origins allowed to call the API from a browser (CORS_ORIGINS); empty or unset: CORS off. */
  corsOrigins?: readonly string[];
}

/** Response headers a browser script may read (CORS hides all but the CORS-safelisted ones). */
const EXPOSED_HEADERS = [
  'ETag',
  'Location',
  'Retry-After',
  'X-Request-Id',
  'X-Consistency-Token',
  'Idempotent-Replayed',
  'WWW-Authenticate',
];

/**
 * CORS for the allow-listed origins (CORS_ORIGINS), off when the list is empty: Nest's enableCors
 * (@fastify/cors) answers preflights and adds the headers to the allowed origins' answers. Bearer
 * tokens, not cookies: no credentials.
 */
function allowCrossOrigin(app: NestFastifyApplication, origins: readonly string[]): void {
  if (origins.length === 0) return;
  app.enableCors({
    origin: [...origins],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
}

/**
 * Everything about HTTP that is the same for every route: JSON-only bodies, problem+json for
 * every error (Nest's and Fastify's), request ids, security headers, input text checks, OpenAPI.
 */
export function configureHttp(app: NestFastifyApplication, options: HttpOptions = {}): void {
  const fastify = app.getHttpAdapter().getInstance();

  // JSON only: a text/plain or form body is a 415, not a string handed to a handler.
  fastify.removeAllContentTypeParsers();
  parseJsonBodies(fastify);

  // First: the request's work runs in its request context, on top of the HTTP server span's
  // context (@fastify/otel's hooks, added when the Fastify instance was created: tracing/sdk.ts).
  const quiet = isQuietUrl;
  enterRequestContext(fastify, quiet);
  instrumentHttp(fastify, app.get(Metrics));
  logRequests(fastify, app.get(REQUEST_LOGGER), quiet);

  fastify.addHook('onRequest', (request, _reply, done) => {
    if (hasInvalidRequestId(request.raw))
      return done(new ProblemException(400, 'bad-header', 'X-Request-Id must be 1 to 200 visible ASCII characters.'));
    // RFC 9112 3.2: an HTTP/1.1 request without Host is a 400.
    if (request.raw.headers.host === undefined && request.raw.httpVersion === '1.1')
      return done(new ProblemException(400, 'bad-header', 'An HTTP/1.1 request needs a Host header.'));
    done();
  });
  refuseWhenNotServing(fastify, options.schema);
  rejectMalformedText(fastify);
  const lifecycle = app.get(Lifecycle);
  fastify.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    // The point in the event log of the last event this request's commands committed (or that an
    // idempotent replay recorded): a read sending it back sees its own writes (docs/decisions/0014).
    const token = requestContextOf(request)?.consistencyToken;
    if (token) reply.header(CONSISTENCY_HEADER, token);
    // Once shutdown has begun, every response closes its connection: a keep-alive socket left
    // idle after its in-flight request would otherwise hold the server open until keepAliveTimeout.
    if (lifecycle.shuttingDown) reply.header('connection', 'close');
    await responseCaptureOf(request)?.(reply, payload);
    return payload;
  });

  addSecurityHeaders(fastify);
  allowCrossOrigin(app, options.corsOrigins ?? []);

  app.setGlobalPrefix(API_PREFIX, { exclude: OPERATIONS_ROUTES });
  app.useGlobalFilters(new ProblemFilter());

  if (options.openApi !== false) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Task backend')
        .setDescription(
          'Task management API. Errors are RFC 9457 application/problem+json (schema ProblemResponse); their `type` is an identifier, not a page.',
        )
        .setVersion('1')
        .setLicense('UNLICENSED', 'https://docs.npmjs.com/cli/configuring-npm/package-json#license')
        .addServer('/', 'The server that serves this document')
        .addBearerAuth()
        // Every operation needs a bearer token unless it says otherwise (security: [] on public ones).
        .addSecurityRequirements('bearer')
        .addGlobalResponse(...GLOBAL_PROBLEMS)
        .build(),
      { extraModels: [ProblemResponse] },
    );
    documentIdempotency(document);
    documentProblems(document);
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  }
}

const OPERATIONS = new RegExp(`^/(${OPERATIONS_ROUTES.join('|')})(\\?|/|$)`);

/**
 * 503 problem+json with Retry-After for requests the service cannot serve yet or any more:
 * before the schema is current (the probes and docs excepted: liveness must answer) and once
 * Fastify has begun closing (requests still arriving on open connections).
 */
function refuseWhenNotServing(fastify: FastifyInstance, schema: SchemaState | undefined): void {
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  const unavailable = (code: string, detail: string) =>
    new ProblemException(503, code, detail, { retryAfterSeconds: 1 });
  const notReady = () => unavailable('not-ready', 'The service is starting: its database schema is not current yet.');
  fastify.addHook('onRequest', async (request, reply) => {
    if (closing) {
      reply.header('connection', 'close');
      throw unavailable('shutting-down', 'The service is shutting down.');
    }
    if (!schema || schema.known || OPERATIONS.test(request.url)) return;
    const current = await schema.isCurrent().catch(() => false);
    if (!current) throw notReady();
  });
}
