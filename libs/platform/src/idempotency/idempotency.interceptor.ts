import { randomUUID } from 'node:crypto';
import { type CallHandler, type ExecutionContext, Injectable, Logger, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '@app/shared-kernel';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Counter } from 'prom-client';
import { defer, lastValueFrom, type Observable } from 'rxjs';
import { AppConfig } from '../config/app-config.js';
import { requestContext } from '../context/request-context.js';
import { ProblemException } from '../http/problem.js';
import { captureResponse } from '../http/response-capture.js';
import { toProblem } from '../http/to-problem.js';
import { Metrics } from '../metrics/metrics.js';
import { RecordedCommandBus } from '../transactions/recorded-command-bus.js';
import { fingerprintOf, parseIdempotencyKey, scopeOf } from './idempotency-key.js';
import { type CommittedKey, IdempotencyRecords } from './idempotency-records.js';
import { type Claim, IdempotencyStore, type StoredResponse } from './idempotency-store.js';
import { IDEMPOTENCY_EXEMPT, REQUIRES_IDEMPOTENCY_KEY } from './requires-idempotency-key.decorator.js';

/** Response headers a replay carries, besides the status and the body bytes. */
export const REPLAYED_HEADERS = ['content-type', 'location', 'etag', 'x-consistency-token'] as const;
/** 4xx answers that are about the moment, not the request: retrying the same key may succeed, so they are not kept. */
const TRANSIENT_4XX = new Set([408, 409, 412, 425, 429]);

export type IdempotencyOutcome =
  | 'new' | 'replayed' | 'recovered' | 'conflict' | 'mismatch' | 'stored' | 'released' | 'store_error' | 'missing_key';

/**
 * Test seam: called after a keyed command committed, with the response as it was about to be sent
 * and stored. Returning true makes this request behave like a process that died right there: the
 * connection is cut, nothing is sent, stored, released or renewed (the lease just runs out).
 * Never set outside tests.
 */
export const idempotencyFaults: { afterCommit?: (response: StoredResponse) => boolean } = {};

/** A command transaction found its key already recorded: it rolls back, and the committed result answers. */
class KeyAlreadyCommitted extends Error {}

/** One keyed request in flight: its key's scope, its lease, and what happens to its response. */
class Attempt {
  token = randomUUID();
  holdsLease = false;
  /** The command transaction recorded the key (it commits with the command, or neither does). */
  recorded = false;
  /** The response is stored when it leaves, unless it is a rejection, a transient 4xx or a 5xx. */
  keep = true;
  /** Set once the response is handled (stored, released) or abandoned (simulated crash). */
  done = false;
  private renewal?: NodeJS.Timeout;

  constructor(
    readonly scope: string,
    readonly fingerprint: string,
    public storeUp: boolean,
  ) {}

  startRenewal(renew: () => Promise<unknown>, everyMs: number): void {
    this.renewal = setInterval(() => void renew().catch(() => undefined), everyMs);
    this.renewal.unref();
  }

  stopRenewal(): void {
    clearInterval(this.renewal);
  }
}

/**
 * Idempotency-Key on every POST and PATCH (docs/decisions/0030..0033). The fast path is the
 * IdempotencyStore (Redis, or in-process); exactly-once rests on the database: the request's
 * command records the key with its outcome in its own transaction (RecordedCommandBus), so a
 * retry after a crash finds what committed and gets it back without the handler running, and a
 * second effect under one key is impossible even with the store down. Handlers never see any of it.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');
  private readonly outcomes: Counter<'outcome'>;
  private readonly ttlMs: number;
  private storeDown = false;

  constructor(
    private readonly store: IdempotencyStore,
    private readonly records: IdempotencyRecords,
    private readonly config: AppConfig,
    private readonly reflector: Reflector,
    metrics: Metrics,
  ) {
    this.outcomes = metrics.counter('idempotency_requests_total', 'Requests with an Idempotency-Key, by outcome', ['outcome']);
    this.ttlMs = config.idempotency.ttlSeconds * 1000;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (request.method !== 'POST' && request.method !== 'PATCH') return next.handle();
    if (this.reflector.getAllAndOverride<boolean>(IDEMPOTENCY_EXEMPT, [context.getHandler(), context.getClass()])) return next.handle();
    const key = parseIdempotencyKey(request.headers['idempotency-key']);
    if (key === undefined) {
      if (this.reflector.getAllAndOverride<boolean>(REQUIRES_IDEMPOTENCY_KEY, [context.getHandler(), context.getClass()])) {
        this.count('missing_key');
        throw new ProblemException(400, 'idempotency-key-required', 'This operation requires an Idempotency-Key header.');
      }
      return next.handle();
    }
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return defer(() => this.handle(request, reply, key, next));
  }

  private async handle(request: FastifyRequest, reply: FastifyReply, key: string, next: CallHandler): Promise<unknown> {
    const attempt = new Attempt(scopeOf(requestContext.current()?.actor, key), fingerprintOf(request.method, request.url, request.body), true);
    const { leaseMs } = this.config.idempotency;
    let claim: Claim | undefined;
    try {
      claim = await this.store.claim(attempt.scope, attempt.fingerprint, attempt.token, leaseMs, this.ttlMs);
      this.storeAvailable();
    } catch (err) {
      this.storeFailed(err);
      attempt.storeUp = false;
    }

    if (claim?.state === 'done') {
      if (claim.record.fingerprint !== attempt.fingerprint) throw this.mismatch();
      this.count('replayed');
      return replay(claim.record);
    }
    if (claim?.state === 'busy') {
      if (claim.fingerprint !== attempt.fingerprint) throw this.mismatch();
      this.count('conflict');
      throw new ProblemException(409, 'idempotency-key-in-use', 'A request with this Idempotency-Key is still being processed; retry shortly.', {
        retryAfterSeconds: 1,
      });
    }
    if (claim) {
      attempt.holdsLease = true;
      attempt.startRenewal(() => this.store.renew(attempt.scope, attempt.fingerprint, attempt.token, leaseMs), Math.max(Math.floor(leaseMs / 3), 50));
    }
    captureResponse(request, (r, payload) => this.finish(attempt, r, payload));
    // A client that goes away does not keep the lease: it is released once the handler settles.
    reply.raw.once('close', () => {
      if (!attempt.done) void this.settled(attempt).then(() => this.abort(attempt));
    });

    // A started attempt that never finished (or no store to tell): the command may have committed.
    if (claim?.state === 'retry' || !attempt.storeUp) {
      const committed = await this.records.find(attempt.scope, this.config.idempotency.ttlSeconds);
      if (committed) return this.fromCommitted(attempt, committed, reply, next);
    }
    this.count('new');
    return this.execute(attempt, reply, next);
  }

  private running = new WeakMap<Attempt, Promise<unknown>>();

  private settled(attempt: Attempt): Promise<unknown> {
    return (this.running.get(attempt) ?? Promise.resolve()).catch(() => undefined);
  }

  private async execute(attempt: Attempt, reply: FastifyReply, next: CallHandler): Promise<unknown> {
    const ttlSeconds = this.config.idempotency.ttlSeconds;
    const run = RecordedCommandBus.recording(
      async (tx, outcome) => {
        if (!(await this.records.insert(tx, attempt.scope, attempt.fingerprint, outcome, ttlSeconds))) throw new KeyAlreadyCommitted();
        attempt.recorded = true;
      },
      () => lastValueFrom(next.handle(), { defaultValue: undefined }),
    );
    this.running.set(attempt, run);
    try {
      return await run;
    } catch (err) {
      // Another request with this key may have committed meanwhile (the store lost the key, or
      // is down, and a racing twin won): its outcome answers, never this attempt's error (a
      // taken email, a version conflict or the key row itself). Errors are rare: no cost on
      // the fast path.
      const committed = await this.records.find(attempt.scope, ttlSeconds).catch(() => undefined);
      if (committed) return this.fromCommitted(attempt, committed, reply, next);
      if (err instanceof KeyAlreadyCommitted) throw this.inUse();
      attempt.keep = keepsError(err);
      throw err;
    }
  }

  /** The key is recorded by a committed command: replay its response, or rebuild it from the command's outcome. */
  private async fromCommitted(attempt: Attempt, committed: CommittedKey, reply: FastifyReply, next: CallHandler): Promise<unknown> {
    if (committed.fingerprint !== attempt.fingerprint) {
      attempt.keep = false;
      throw this.mismatch();
    }
    if (committed.response) {
      attempt.done = true;
      attempt.stopRenewal();
      if (attempt.holdsLease) await this.store.complete(attempt.scope, attempt.token, { fingerprint: attempt.fingerprint, ...committed.response }, this.ttlMs).catch(() => undefined);
      this.count('replayed');
      return replay(committed.response);
    }
    // The crash window: committed, response lost. The route runs again, but its command is not
    // executed: the command bus hands the controller the committed outcome, so the response
    // (status, body, Location, ETag, X-Consistency-Token) is built from what committed.
    this.count('recovered');
    attempt.recorded = true;
    const run = RecordedCommandBus.replaying(committed.outcome, () => lastValueFrom(next.handle(), { defaultValue: undefined }));
    this.running.set(attempt, run);
    try {
      const value = await run;
      reply.header('idempotent-replayed', 'true');
      return value;
    } catch (err) {
      // A committed refusal is the committed answer, kept like any domain 4xx.
      attempt.keep = committed.outcome.refusal !== undefined && err === committed.outcome.refusal && keepsError(err);
      if (attempt.keep) reply.header('idempotent-replayed', 'true');
      throw err;
    }
  }

  /** The response is leaving: keep it (store, or the database row when the store is down), or release the key. */
  private async finish(attempt: Attempt, reply: FastifyReply, payload: unknown): Promise<void> {
    if (attempt.done) return;
    attempt.done = true;
    attempt.stopRenewal();
    const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? Buffer.from(payload) : payload == null ? Buffer.alloc(0) : undefined;
    const status = reply.statusCode;
    if (!attempt.keep || status >= 500 || (status >= 400 && TRANSIENT_4XX.has(status)) || !body) {
      await this.release(attempt);
      return;
    }
    const response: StoredResponse = { status, headers: pickHeaders(reply), body: body.toString('base64') };
    if (attempt.recorded && idempotencyFaults.afterCommit?.(response)) {
      reply.raw.socket?.destroy();
      return;
    }
    if (attempt.storeUp) {
      try {
        await this.store.complete(attempt.scope, attempt.token, { fingerprint: attempt.fingerprint, ...response }, this.ttlMs);
      } catch (err) {
        this.storeFailed(err);
        attempt.storeUp = false;
      }
    }
    // The key's row keeps the response too, so a store that is down or lost its data still
    // replays byte for byte; the rebuild from the recorded result is only for a process that
    // died in between. With the store up that write is batched behind the response.
    if (attempt.recorded) {
      if (attempt.storeUp) this.records.saveResponseLater(attempt.scope, response);
      else await this.records.saveResponse(attempt.scope, response).catch((err: unknown) => this.logger.warn({ err }, 'could not keep an idempotent response'));
    }
    this.count('stored');
  }

  private async abort(attempt: Attempt): Promise<void> {
    if (attempt.done) return;
    attempt.done = true;
    attempt.stopRenewal();
    await this.release(attempt);
  }

  private async release(attempt: Attempt): Promise<void> {
    this.count('released');
    if (attempt.holdsLease) await this.store.release(attempt.scope, attempt.fingerprint, attempt.token).catch((err: unknown) => this.storeFailed(err));
  }

  private mismatch(): ProblemException {
    this.count('mismatch');
    return new ProblemException(422, 'idempotency-key-reused', 'This Idempotency-Key was already used with a different request.');
  }

  private inUse(): ProblemException {
    this.count('conflict');
    return new ProblemException(409, 'idempotency-key-in-use', 'A request with this Idempotency-Key is still being processed; retry shortly.', { retryAfterSeconds: 1 });
  }

  private count(outcome: IdempotencyOutcome): void {
    this.outcomes.inc({ outcome });
  }

  private storeFailed(err: unknown): void {
    this.count('store_error');
    if (!this.storeDown) this.logger.warn({ err: { message: (err as Error)?.message } }, 'idempotency store unavailable: falling back to the database record');
    this.storeDown = true;
  }

  private storeAvailable(): void {
    if (this.storeDown) this.logger.log('idempotency store available again');
    this.storeDown = false;
  }
}

/** Handler errors worth replaying: domain answers (4xx) that a retry of the same request would get again. */
function keepsError(err: unknown): boolean {
  if (!(err instanceof DomainError)) return false;
  const { status } = toProblem(err).problem;
  return status < 500 && !TRANSIENT_4XX.has(status);
}

function pickHeaders(reply: FastifyReply): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = reply.getHeader(name);
    if (value !== undefined) headers[name] = String(value);
  }
  return headers;
}

const NULL_BODY = new Set([101, 204, 205, 304]);

/** The stored response, byte for byte, plus `Idempotent-Replayed: true`: a web Response's status and headers win over the route's. */
function replay(stored: StoredResponse): Response {
  const body = Buffer.from(stored.body, 'base64');
  return new Response(NULL_BODY.has(stored.status) || body.length === 0 ? null : body, {
    status: stored.status,
    headers: { ...stored.headers, 'idempotent-replayed': 'true' },
  });
}
