import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { defer, type Observable } from 'rxjs';
import { AppConfig } from '../config/app-config.js';
import { requestContext } from '../context/request-context.js';
import { captureResponse } from '../http/response-capture.js';
import { Metrics } from '../metrics/metrics.js';
import { IdempotencyAttempt } from './idempotency-attempt.js';
import { fingerprintOf, parseIdempotencyKey, scopeOf } from './idempotency-key.js';
import { IdempotencyOutcomes } from './idempotency-outcomes.js';
import { IdempotencyRecords } from './idempotency-records.js';
import { IdempotencyStore } from './idempotency-store.js';
import { KeyLease } from './key-lease.js';
import { KeyedExecution } from './keyed-execution.js';
import { ResponseKeeper } from './response-keeper.js';
import {
  IDEMPOTENCY_EXEMPT,
  IDEMPOTENCY_RESPONSE_NOT_KEPT,
  REQUIRES_IDEMPOTENCY_KEY,
} from './requires-idempotency-key.decorator.js';

export { idempotencyFaults } from './idempotency-faults.js';
export type { IdempotencyOutcome } from './idempotency-outcomes.js';
export { REPLAYED_HEADERS } from './idempotent-response.js';

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
  private readonly lease: KeyLease;
  private readonly execution: KeyedExecution;
  private readonly keeper: ResponseKeeper;

  constructor(
    store: IdempotencyStore,
    private readonly records: IdempotencyRecords,
    private readonly config: AppConfig,
    private readonly reflector: Reflector,
    metrics: Metrics,
  ) {
    this.outcomes = new IdempotencyOutcomes(metrics);
    const { leaseMs, ttlSeconds } = config.idempotency;
    this.lease = new KeyLease(store, this.outcomes, { leaseMs, ttlMs: ttlSeconds * 1000 });
    this.execution = new KeyedExecution(store, records, this.outcomes, ttlSeconds);
    this.keeper = new ResponseKeeper(store, records, this.outcomes, ttlSeconds * 1000);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (request.method !== 'POST' && request.method !== 'PATCH') return next.handle();
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IDEMPOTENCY_EXEMPT, targets)) return next.handle();
    const key = parseIdempotencyKey(request.headers['idempotency-key']);
    if (key === undefined) {
      if (this.reflector.getAllAndOverride<boolean>(REQUIRES_IDEMPOTENCY_KEY, targets))
        throw this.outcomes.missingKey();
      return next.handle();
    }
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const keepsResponse = !this.reflector.getAllAndOverride<boolean>(IDEMPOTENCY_RESPONSE_NOT_KEPT, targets);
    return defer(() => this.handle(request, reply, key, next, keepsResponse));
  }

  /** Ends an attempt whose client went away, once its handler has settled. */
  private async releaseWhenSettled(attempt: IdempotencyAttempt): Promise<void> {
    await attempt.settled();
    if (attempt.finish()) await this.keeper.release(attempt);
  }

  private async handle(
    request: FastifyRequest,
    reply: FastifyReply,
    key: string,
    next: CallHandler,
    keepsResponse: boolean,
  ): Promise<unknown> {
    const attempt = new IdempotencyAttempt(
      scopeOf(requestContext.current()?.actor, key),
      fingerprintOf(request.method, request.url, request.body),
      true,
    );
    // Not kept: a finished success releases the key, whose row keeps the outcome; a retry rebuilds its answer from it.
    attempt.keep = keepsResponse;
    attempt.responseNotKept = !keepsResponse;
    const lease = await this.lease.claim(attempt);
    if ('replay' in lease) return lease.replay;
    captureResponse(request, (r, payload) => this.keeper.keep(attempt, r, payload));
    // A client that goes away does not keep the lease: it is released once the handler settles.
    reply.raw.once('close', () => {
      if (!attempt.done) void this.releaseWhenSettled(attempt);
    });

    // A started attempt that never finished (or no store to tell): the command may have committed.
    if (lease.run === 'unsure') {
      const committed = await this.records.find(attempt.scope, this.config.idempotency.ttlSeconds);
      if (committed) return this.execution.fromCommitted(attempt, committed, reply, next);
    }
    this.outcomes.count('new');
    return this.execution.execute(attempt, reply, next);
  }
}
