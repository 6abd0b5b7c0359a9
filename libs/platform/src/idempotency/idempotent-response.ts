import { DomainError } from '@app/shared-kernel';
import type { FastifyReply } from 'fastify';
import { toProblem } from '../http/to-problem.js';
import type { StoredResponse } from './idempotency-store.js';

/** Response headers a replay carries, besides the status and the body bytes. */
export const REPLAYED_HEADERS = ['content-type', 'location', 'etag', 'x-consistency-token'] as const;
/** 4xx answers that are about the moment, not the request: retrying the same key may succeed, so they are not kept. */
const TRANSIENT_4XX = new Set([408, 409, 412, 425, 429]);
const NULL_BODY = new Set([101, 204, 205, 304]);

/** Handler errors worth replaying: domain answers (4xx) that a retry of the same request would get again. */
export function keepsError(err: unknown): boolean {
  if (!(err instanceof DomainError)) return false;
  const { status } = toProblem(err).problem;
  return status < 500 && !TRANSIENT_4XX.has(status);
}

/** The response leaving as it is kept (status, replayed headers, body bytes), or undefined when it is not to be kept. */
export function responseToKeep(reply: FastifyReply, payload: unknown): StoredResponse | undefined {
  const body =
    typeof payload === 'string' || Buffer.isBuffer(payload)
      ? Buffer.from(payload)
      : payload == null
        ? Buffer.alloc(0)
        : undefined;
  const status = reply.statusCode;
  if (status >= 500 || (status >= 400 && TRANSIENT_4XX.has(status)) || !body) return undefined;
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = reply.getHeader(name);
    if (value !== undefined) headers[name] = String(value);
  }
  return { status, headers, body: body.toString('base64') };
}

/** The stored response, byte for byte, plus `Idempotent-Replayed: true`: a web Response's status and headers win over the route's. */
export function replay(stored: StoredResponse): Response {
  const body = Buffer.from(stored.body, 'base64');
  return new Response(NULL_BODY.has(stored.status) || body.length === 0 ? null : body, {
    status: stored.status,
    headers: { ...stored.headers, 'idempotent-replayed': 'true' },
  });
}
