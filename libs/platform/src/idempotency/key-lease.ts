import type { IdempotencyAttempt } from './idempotency-attempt.js';
import type { IdempotencyOutcomes } from './idempotency-outcomes.js';
import type { Claim, IdempotencyStore } from './idempotency-store.js';
import { replay } from './idempotent-response.js';

/**
 * What claiming a key decided: replay a finished response, or run the attempt — `new` when the
 * key was never used, `unsure` when an earlier attempt started and never finished or the store
 * cannot tell (then the database record says whether a command under the key committed).
 */
export type LeaseDecision = { replay: Response } | { run: 'new' | 'unsure' };

/**
 * The fast path's claim on a key in the IdempotencyStore: a finished response is replayed, a
 * request still in flight under the key answers 409, another request under the key 422; otherwise
 * the attempt holds the key's lease, renewed while it runs. With the store down the attempt runs
 * on the database record alone (docs/decisions/0030..0033).
 */
export class KeyLease {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly outcomes: IdempotencyOutcomes,
    private readonly options: { leaseMs: number; ttlMs: number },
  ) {}

  async claim(attempt: IdempotencyAttempt): Promise<LeaseDecision> {
    const { leaseMs, ttlMs } = this.options;
    let claim: Claim;
    try {
      claim = await this.store.claim(attempt.scope, attempt.fingerprint, attempt.token, leaseMs, ttlMs);
      this.outcomes.storeAvailable();
    } catch (err) {
      this.outcomes.storeFailed(err);
      attempt.storeUp = false;
      return { run: 'unsure' };
    }
    switch (claim.state) {
      case 'done':
        if (claim.record.fingerprint !== attempt.fingerprint) throw this.outcomes.mismatch();
        this.outcomes.count('replayed');
        return { replay: replay(claim.record) };
      case 'busy':
        if (claim.fingerprint !== attempt.fingerprint) throw this.outcomes.mismatch();
        throw this.outcomes.inUse();
      default:
        attempt.holdsLease = true;
        attempt.startRenewal(
          () => this.store.renew(attempt.scope, attempt.fingerprint, attempt.token, leaseMs),
          Math.max(Math.floor(leaseMs / 3), 50),
        );
        return { run: claim.state === 'retry' ? 'unsure' : 'new' };
    }
  }
}
