import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Content-Security-Policy of the API's own pages (Swagger UI at /docs): inline styles and scripts. */
export const DOCS_HEADER_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: [`'self'`],
      styleSrc: [`'self'`, `'unsafe-inline'`],
      imgSrc: [`'self'`, 'data:'],
      scriptSrc: [`'self'`, `'unsafe-inline'`],
    },
  },
};

/**
 * The headers of every JSON answer: OWASP's set for REST services. A JSON document loads nothing,
 * so its CSP forbids everything and it may not be framed; helmet's other headers (XSS filter,
 * DNS prefetch, download options, origin-agent-cluster, ...) concern HTML pages, which get them
 * (DOCS_HEADER_OPTIONS). Half the headers and a fifth of the bytes per answer (docs/decisions/0058).
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
});

/**
 * The response headers helmet sets with `options`, computed once. With these options (no CSP
 * nonces) they are the same on every response, so there is no need to run helmet's middleware,
 * and with @fastify/helmet rebuild it, on each request.
 */
export function securityHeaders(options: HelmetOptions = DOCS_HEADER_OPTIONS): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) =>
      void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err instanceof Error ? err : new Error('helmet failed', { cause: err });
  });
  return headers;
}

/** Security headers on every response: helmet's for the pages under `/docs`, API_SECURITY_HEADERS for the rest. */
export function addSecurityHeaders(fastify: FastifyInstance): void {
  const pages = securityHeaders();
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.headers(request.url.startsWith('/docs') ? pages : API_SECURITY_HEADERS);
    done();
  });
}
