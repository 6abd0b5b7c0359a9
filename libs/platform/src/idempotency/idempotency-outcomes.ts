import { Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { ProblemException } from '../http/problem.js';
import type { Metrics } from '../metrics/metrics.js';

export type IdempotencyOutcome =
  'new' | 'replayed' | 'recovered' | 'conflict' | 'mismatch' | 'stored' | 'released' | 'store_error' | 'missing_key';

/**
 * What became of keyed requests: counted in `idempotency_requests_total` by outcome, with the
 * answers that go with the refusals, and the store's health logged once per change.
 */
export class IdempotencyOutcomes {
  private readonly logger = new Logger('Idempotency');
  private readonly counter: Counter<'outcome'>;
  private storeDown = false;

  constructor(metrics: Metrics) {
    this.counter = metrics.counter('idempotency_requests_total', 'Requests with an Idempotency-Key, by outcome', [
      'outcome',
    ]);
  }

  count(outcome: IdempotencyOutcome): void {
    this.counter.inc({ outcome });
  }

  missingKey(): ProblemException {
    this.count('missing_key');
    return new ProblemException(400, 'idempotency-key-required', 'This operation requires an Idempotency-Key header.');
  }

  mismatch(): ProblemException {
    this.count('mismatch');
    return new ProblemException(
      422,
      'idempotency-key-reused',
      'This Idempotency-Key was already used with a different request.',
    );
  }

  inUse(): ProblemException {
    this.count('conflict');
    return new ProblemException(
      409,
      'idempotency-key-in-use',
      'A request with this Idempotency-Key is still being processed; retry shortly.',
      { retryAfterSeconds: 1 },
    );
  }

  storeFailed(err: unknown): void {
    this.count('store_error');
    if (!this.storeDown)
      this.logger.warn(
        { err: { message: (err as Error)?.message } },
        'idempotency store unavailable: falling back to the database record',
      );
    this.storeDown = true;
  }

  storeAvailable(): void {
    if (this.storeDown) this.logger.log('idempotency store available again');
    this.storeDown = false;
  }

  /** Logs a failure to keep a response in the database (the store has it, or the rebuild will). */
  keepFailed(err: unknown): void {
    this.logger.warn({ err }, 'could not keep an idempotent response');
  }
}
