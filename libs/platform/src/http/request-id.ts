import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A caller's request id is echoed when it is 1..200 visible ASCII characters; anything else is a 400. */
export const REQUEST_ID_PATTERN = /^[\x21-\x7e]{1,200}$/;

export function requestIdOf(req: IncomingMessage): string {
  const sent = req.headers['x-request-id'];
  return typeof sent === 'string' && REQUEST_ID_PATTERN.test(sent) ? sent : randomUUID();
}

export function hasInvalidRequestId(req: IncomingMessage): boolean {
  const sent = req.headers['x-request-id'];
  return sent !== undefined && (typeof sent !== 'string' || !REQUEST_ID_PATTERN.test(sent));
}
