import type { FastifyReply } from 'fastify';
import type { IdempotencyAttempt } from './idempotency-attempt.js';
import { idempotencyFaults } from './idempotency-faults.js';
import type { IdempotencyOutcomes } from './idempotency-outcomes.js';
import type { IdempotencyRecords } from './idempotency-records.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { responseToKeep } from './idempotent-response.js';

/** The end of a keyed request: its response kept for replays, or its key released. */
export class ResponseKeeper {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly records: IdempotencyRecords,
    private readonly outcomes: IdempotencyOutcomes,
    private readonly ttlMs: number,
  ) {}

  /** The response is leaving: keep it (store, or the database row when the store is down), or release the key. */
  async keep(attempt: IdempotencyAttempt, reply: FastifyReply, payload: unknown): Promise<void> {
    if (!attempt.finish()) return;
    const response = attempt.keep ? responseToKeep(reply, payload) : undefined;
    // The crash window (after COMMIT, before the answer leaves) of a route that keeps no response is tested too.
    const leaving = response ?? (attempt.responseNotKept ? responseToKeep(reply, payload) : undefined);
    if (attempt.recorded && leaving && idempotencyFaults.afterCommit?.(leaving)) {
      reply.raw.socket?.destroy();
      return;
    }
    if (!response) return this.release(attempt);
    if (attempt.storeUp) {
      try {
        await this.store.complete(
          attempt.scope,
          attempt.token,
          { fingerprint: attempt.fingerprint, ...response },
          this.ttlMs,
        );
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
      else
        await this.records.saveResponse(attempt.scope, response).catch((err: unknown) => this.outcomes.keepFailed(err));
    }
    this.outcomes.count('stored');
  }

  /** Gives the key up (the lease, if held) so a retry executes anew. */
  async release(attempt: IdempotencyAttempt): Promise<void> {
    this.outcomes.count('released');
    if (attempt.holdsLease)
      await this.store
        .release(attempt.scope, attempt.fingerprint, attempt.token)
        .catch((err: unknown) => this.outcomes.storeFailed(err));
  }
}
