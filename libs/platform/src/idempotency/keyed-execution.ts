import type { CallHandler } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { lastValueFrom } from 'rxjs';
import { RecordedCommandBus } from '../transactions/recorded-command-bus.js';
import type { IdempotencyAttempt } from './idempotency-attempt.js';
import type { IdempotencyOutcomes } from './idempotency-outcomes.js';
import type { CommittedKey, IdempotencyRecords } from './idempotency-records.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { keepsError, replay } from './idempotent-response.js';

/** A command transaction found its key already recorded: it rolls back, and the committed result answers. */
class KeyAlreadyCommitted extends Error {}

/**
 * Runs a keyed request's route so that its key commits with its command (RecordedCommandBus), or
 * answers what a command under the key committed: the kept response, or one rebuilt from the
 * committed outcome without executing the command again.
 */
export class KeyedExecution {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly records: IdempotencyRecords,
    private readonly outcomes: IdempotencyOutcomes,
    private readonly ttlSeconds: number,
  ) {}

  /** Runs the route; its command records the key with its outcome in the command's transaction. */
  async execute(attempt: IdempotencyAttempt, reply: FastifyReply, next: CallHandler): Promise<unknown> {
    attempt.running = RecordedCommandBus.recording(
      async (tx, outcome) => {
        if (!(await this.records.insert(tx, attempt.scope, attempt.fingerprint, outcome, this.ttlSeconds)))
          throw new KeyAlreadyCommitted();
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
      const committed = await this.records.find(attempt.scope, this.ttlSeconds).catch(() => undefined);
      if (committed) return this.fromCommitted(attempt, committed, reply, next);
      if (err instanceof KeyAlreadyCommitted) throw this.outcomes.inUse();
      attempt.keep = keepsError(err);
      throw err;
    }
  }

  /** The key is recorded by a committed command: replay its response, or rebuild it from the command's outcome. */
  async fromCommitted(
    attempt: IdempotencyAttempt,
    committed: CommittedKey,
    reply: FastifyReply,
    next: CallHandler,
  ): Promise<unknown> {
    if (committed.fingerprint !== attempt.fingerprint) {
      attempt.keep = false;
      throw this.outcomes.mismatch();
    }
    if (committed.response) {
      attempt.finish();
      if (attempt.holdsLease)
        await this.store
          .complete(
            attempt.scope,
            attempt.token,
            { fingerprint: attempt.fingerprint, ...committed.response },
            this.ttlSeconds * 1000,
          )
          .catch(() => undefined);
      this.outcomes.count('replayed');
      return replay(committed.response);
    }
    // The crash window: committed, response lost. The route runs again, but its command is not
    // executed: the command bus hands the controller the committed outcome, so the response
    // (status, body, Location, ETag, X-Consistency-Token) is built from what committed.
    this.outcomes.count('recovered');
    attempt.recorded = true;
    attempt.running = RecordedCommandBus.replaying(committed.outcome, () =>
      lastValueFrom(next.handle(), { defaultValue: undefined }),
    );
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
}
