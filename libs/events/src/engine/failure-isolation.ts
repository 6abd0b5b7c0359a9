import { failedAttempt, type Failing, type HandlerFailure } from './event-failures.js';

/** What a consumer's next step reads: `limit` events (one by one: each event its own handler call), or nothing for `waitMs`. */
export type NextStep = { limit: number; oneByOne: boolean } | { waitMs: number };

/**
 * How one consumer narrows a handler failure down to a single event and backs off on it
 * (docs/decisions/0011): a failed batch call is followed by a step that handles the same events
 * one by one; a failure at the n-th event first commits the n events before it; a failure at the
 * first event is retried alone, `retryBaseMs` doubled per attempt, until `maxAttempts` send it to
 * dead letters. Pure state: the runner tells it what happened, it tells the runner what to read.
 */
export class FailureIsolation {
  private failing?: Failing;
  private prefixLimit?: number;
  private oneByOne = false;

  constructor(private readonly options: { maxAttempts: number; retryBaseMs: number }) {}

  next(batchSize: number, now = Date.now()): NextStep {
    if (this.failing && now < this.failing.retryAt) return { waitMs: this.failing.retryAt - now };
    const step = { limit: this.failing ? 1 : (this.prefixLimit ?? batchSize), oneByOne: this.oneByOne };
    this.prefixLimit = undefined;
    this.oneByOne = false;
    return step;
  }

  /** A handler failed. Returns the failing event's state when the failure was narrowed down to it (it then backs off). */
  failed(err: HandlerFailure, now = Date.now()): Failing | undefined {
    if (err.index < 0) this.oneByOne = true;
    else if (err.index > 0) this.prefixLimit = err.index;
    else {
      this.failing = failedAttempt(this.failing, err.event.id, err.cause, this.options, now);
      return this.failing;
    }
    return undefined;
  }

  /** The step read `eventId` first: a failing event it is not was passed elsewhere meanwhile (a retry, a rebuild). */
  reading(eventId: string): void {
    if (this.failing?.eventId !== eventId) this.failing = undefined;
  }

  /** The failing state, when `eventId` is the failing event and its attempts are used up: it goes to dead letters. */
  exhausted(eventId: string): Failing | undefined {
    const failing = this.failing;
    return failing?.eventId === eventId && failing.attempts >= this.options.maxAttempts ? failing : undefined;
  }

  /** The step committed: its first event, failing or not, is behind the consumer. */
  passed(): void {
    this.failing = undefined;
  }
}
