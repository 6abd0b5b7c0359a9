import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { PROBLEM_CONTENT_TYPE, problemType, statusTitle } from './problem.js';
import { API_SECURITY_HEADERS } from './security-headers.js';

/**
 * What a client still sending may send after its early answer (413, 431, a malformed request)
 * before the connection is dropped: read and discarded, so the answer is not lost to a reset.
 */
export const EARLY_ANSWER_DRAIN_BYTES = 4 * 1024 * 1024;
/** How long such a client has to finish sending before the connection is dropped anyway. */
const DRAIN_TIMEOUT_MS = 10_000;

/** Answered sockets, with their byte count when answered. */
const ANSWERED = new WeakMap<Socket, number>();

/** The answer for a request Node's parser refused, by its error code. */
function clientErrorAnswer(code: string | undefined): { status: number; code: string; detail: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'headers-too-large', detail: 'The request headers are larger than allowed.' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, code: 'body-too-large', detail: 'The chunk extensions are larger than allowed.' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'request-timeout', detail: 'The request was not received in time.' };
    default:
      return { status: 400, code: 'malformed-request', detail: 'The request is not valid HTTP/1.1.' };
  }
}

/** A complete HTTP/1.1 problem+json response that closes the connection, as raw bytes. */
export function rawProblemResponse(
  answer: { status: number; code: string; detail: string },
  requestId = randomUUID(),
): string {
  const body = JSON.stringify({
    type: problemType(answer.code),
    title: statusTitle(answer.status),
    status: answer.status,
    detail: answer.detail,
    code: answer.code,
    requestId,
  });
  const headers = {
    ...API_SECURITY_HEADERS,
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': String(Buffer.byteLength(body)),
    'x-request-id': requestId,
    connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${answer.status} ${statusTitle(answer.status)}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

/**
 * Fastify's `clientErrorHandler`: a request Node's HTTP parser refuses (malformed request line,
 * bad Content-Length or chunking, headers over the limit, a request timeout) gets a problem+json
 * answer. The connection is half-closed after it and what the client still sends is read, up to
 * EARLY_ANSWER_DRAIN_BYTES, so the client reads the answer instead of a reset.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (ANSWERED.has(socket)) return drainOrDrop(socket);
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  ANSWERED.set(socket, socket.bytesRead);
  if (!socket.writable) return void socket.destroy();
  socket.end(rawProblemResponse(clientErrorAnswer(err.code)));
  const timer = setTimeout(() => socket.destroy(), DRAIN_TIMEOUT_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  // The parser may hand what follows to this handler again or let it flow as data.
  socket.on('data', () => drainOrDrop(socket));
  socket.resume();
}

function drainOrDrop(socket: Socket): void {
  if (socket.bytesRead - (ANSWERED.get(socket) ?? 0) > EARLY_ANSWER_DRAIN_BYTES) socket.destroy();
}

/**
 * Called when a request is answered before its body was read (413, 415, ...): the rest of the
 * body is read and discarded up to EARLY_ANSWER_DRAIN_BYTES, so a client still sending gets to
 * read the answer; past that the connection is dropped.
 */
export function drainUnreadBody(request: IncomingMessage): void {
  if (request.destroyed) return;
  let read = 0;
  request.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > EARLY_ANSWER_DRAIN_BYTES) request.socket.destroy();
  });
  request.resume();
}
