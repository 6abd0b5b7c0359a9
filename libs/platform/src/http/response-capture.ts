import type { FastifyReply, FastifyRequest } from 'fastify';

/** Called with the final status, headers and serialized body of a response, just before it is sent. */
export type ResponseCapture = (reply: FastifyReply, payload: unknown) => Promise<void>;

const CAPTURE = Symbol('responseCapture');

/** Asks for `capture` to see this request's response as it leaves (the onSend hook in configureHttp). */
export function captureResponse(request: FastifyRequest, capture: ResponseCapture): void {
  (request as unknown as Record<symbol, ResponseCapture>)[CAPTURE] = capture;
}

/** The capture this request asked for, if any. */
export function responseCaptureOf(request: FastifyRequest): ResponseCapture | undefined {
  return (request as unknown as Record<symbol, ResponseCapture | undefined>)[CAPTURE];
}
