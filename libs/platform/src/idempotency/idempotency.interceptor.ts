import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { defer, lastValueFrom, type Observable } from 'rxjs';
import { AppConfig } from '../config/app-config.js';
import { requestContext } from '../context/request-context.js';
import { captureResponse } from '../http/response-capture.js';
import { Metrics } from '../metrics/metrics.js';
import { RecordedCommandBus } from '../transactions/recorded-command-bus.js';
import { IdempotencyAttempt } from './idempotency-attempt.js';
import { idempotencyFaults } from './idempotency-faults.js';
import { fingerprintOf, parseIdempotencyKey, scopeOf } from './idempotency-key.js';
import { IdempotencyOutcomes } from './idempotency-outcomes.js';
import { type CommittedKey, IdempotencyRecords } from './idempotency-records.js';
import { type Claim, IdempotencyStore } from './idempotency-store.js';
import { keepsError, replay, responseToKeep } from './idempotent-response.js';
import { IDEMPOTENCY_EXEMPT, REQUIRES_IDEMPOTENCY_KEY } from './requires-idempotency-key.decorator.js';

export { idempotencyFaults } from './idempotency-faults.js';
export type { IdempotencyOutcome } from './idempotency-outcomes.js';
export { REPLAYED_HEADERS } from './idempotent-response.js';

/** A command transaction found its key already recorded: it rolls back, and the committed result answers. */
class KeyAlreadyCommitted extends Error {}

/**
 * Idempotency-Key on every POST and PATCH (docs/decisions/0030..0033). The fast path is the
 * IdempotencyStore (Redis, or in-process); exactly-once rests on the database: the request's
 * command records the key with its outcome in its own transaction (RecordedCommandBus), so a
 * retry after a crash finds what committed and gets it back without the handler running, and a
 * second effect under one key is impossible even with the store down. Handlers never see any of it.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly outcomes: IdempotencyOutcomes;
  private readonly ttlMs: number;

  constructor(
    private readonly store: IdempotencyStore,
    private readonly records: IdempotencyRecords,
    private readonly config: AppConfig,
    private readonly reflector: Reflector,
    metrics: Metrics,
  ) {
    this.outcomes = new IdempotencyOutcomes(metrics);
    this.ttlMs = config.idempotency.ttlSeconds * 1000;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (request.method !== 'POST' && request.method !== 'PATCH') return next.handle();
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IDEMPOTENCY_EXEMPT, targets)) return next.handle();
    const key = parseIdempotencyKey(request.headers['idempotency-key']);
    if (key === undefined) {
      if (this.reflector.getAllAndOverride<boolean>(REQUIRES_IDEMPOTENCY_KEY, targets)) throw this.outcomes.missingKey();
      return next.handle();
    }
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return defer(() => this.handle(request, reply, key, next));
  }

  private async handle(request: FastifyRequest, reply: FastifyReply, key: string, next: CallHandler): Promise<unknown> {
    const attempt = new IdempotencyAttempt(scopeOf(requestContext.current()?.actor, key), fingerprintOf(request.method, request.url, request.body), true);
    const { leaseMs } = this.config.idempotency;
    let claim: Claim | undefined;
    try {
      claim = await this.store.claim(attempt.scope, attempt.fingerprint, attempt.token, leaseMs, this.ttlMs);
      this.outcomes.storeAvailable();
    } catch (err) {
      this.outcomes.storeFailed(err);
      attempt.storeUp = false;
    }

    if (claim?.state === 'done') {
      if (claim.record.fingerprint !== attempt.fingerprint) throw this.outcomes.mismatch();
      this.outcomes.count('replayed');
      return replay(claim.record);
    }
    if (claim?.state === 'busy') {
      if (claim.fingerprint !== attempt.fingerprint) throw this.outcomes.mismatch();
      throw this.outcomes.inUse();
    }
    if (claim) {
      attempt.holdsLease = true;
      attempt.startRenewal(() => this.store.renew(attempt.scope, attempt.fingerprint, attempt.token, leaseMs), Math.max(Math.floor(leaseMs / 3), 50));
    }
    captureResponse(request, (r, payload) => this.finish(attempt, r, payload));
    // A client that goes away does not keep the lease: it is released once the handler settles.
    reply.raw.once('close', () => {
      if (!attempt.done) void attempt.settled().then(() => (attempt.finish() ? this.release(attempt) : undefined));
    });

    // A started attempt that never finished (or no store to tell): the command may have committed.
    if (claim?.state === 'retry' || !attempt.storeUp) {
      const committed = await this.records.find(attempt.scope, this.config.idempotency.ttlSeconds);
      if (committed) return this.fromCommitted(attempt, committed, reply, next);
    }
    this.outcomes.count('new');
    return this.execute(attempt, reply, next);
  }

  private async execute(attempt: IdempotencyAttempt, reply: FastifyReply, next: CallHandler): Promise<unknown> {
    const ttlSeconds = this.config.idempotency.ttlSeconds;
    attempt.running = RecordedCommandBus.recording(
      async (tx, outcome) => {
        if (!(await this.records.insert(tx, attempt.scope, attempt.fingerprint, outcome, ttlSeconds))) throw new KeyAlreadyCommitted();
        attempt.recorded = true;
      },
      () => lastValueFrom(next.handle(), { defaultValue: undefined }),
    );
    try {
      return await attempt.running;
    } catch (err) {
      // Another request with this key may have committed meanwhile (the store lost the key, or
      // is down, and a racing twin won): its outcome answers, never this attempt's error (a
      // taken email, a version conflict or the key row itself). Errors are rare: no cost on
      // the fast path.
      const committed = await this.records.find(attempt.scope, ttlSeconds).catch(() => undefined);
      if (committed) return this.fromCommitted(attempt, committed, reply, next);
      if (err instanceof KeyAlreadyCommitted) throw this.outcomes.inUse();
      attempt.keep = keepsError(err);
      throw err;
    }
  }

  /** The key is recorded by a committed command: replay its response, or rebuild it from the command's outcome. */
  private async fromCommitted(attempt: IdempotencyAttempt, committed: CommittedKey, reply: FastifyReply, next: CallHandler): Promise<unknown> {
    if (committed.fingerprint !== attempt.fingerprint) {
      attempt.keep = false;
      throw this.outcomes.mismatch();
    }
    if (committed.response) {
      attempt.finish();
      if (attempt.holdsLease) await this.store.complete(attempt.scope, attempt.token, { fingerprint: attempt.fingerprint, ...committed.response }, this.ttlMs).catch(() => undefined);
      this.outcomes.count('replayed');
      return replay(committed.response);
    }
    // The crash window: committed, response lost. The route runs again, but its command is not
    // executed: the command bus hands the controller the committed outcome, so the response
    // (status, body, Location, ETag, X-Consistency-Token) is built from what committed.
    this.outcomes.count('recovered');
    attempt.recorded = true;
    attempt.running = RecordedCommandBus.replaying(committed.outcome, () => lastValueFrom(next.handle(), { defaultValue: undefined }));
    try {
      const value = await attempt.running;
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
  private async finish(attempt: IdempotencyAttempt, reply: FastifyReply, payload: unknown): Promise<void> {
    if (!attempt.finish()) return;
    const response = attempt.keep ? responseToKeep(reply, payload) : undefined;
    if (!response) return this.release(attempt);
    if (attempt.recorded && idempotencyFaults.afterCommit?.(response)) {
      reply.raw.socket?.destroy();
      return;
    }
    if (attempt.storeUp) {
      try {
        await this.store.complete(attempt.scope, attempt.token, { fingerprint: attempt.fingerprint, ...response }, this.ttlMs);
      } catch (err) {
        this.outcomes.storeFailed(err);
        attempt.storeUp = false;
      }
    }
    // The key's row keeps the response too, so a store that is down or lost its data still
    // replays byte for byte; the rebuild from the recorded result is only for a process that
    // died in between. With the store up that write is batched behind the response.
    if (attempt.recorded) {
      if (attempt.storeUp) this.records.saveResponseLater(attempt.scope, response);
      else await this.records.saveResponse(attempt.scope, response).catch((err: unknown) => this.outcomes.keepFailed(err));
    }
    this.outcomes.count('stored');
  }

  private async release(attempt: IdempotencyAttempt): Promise<void> {
    this.outcomes.count('released');
    if (attempt.holdsLease) await this.store.release(attempt.scope, attempt.fingerprint, attempt.token).catch((err: unknown) => this.outcomes.storeFailed(err));
  }
}
