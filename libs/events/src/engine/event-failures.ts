import type { LogEvent } from './event-log.js';

/** A handler (or prepare, or batch call) threw on `event`, the `index`-th of the step's events (-1: the batch call). */
export class HandlerFailure extends Error {
  constructor(
    readonly index: number,
    readonly event: LogEvent,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** The event a consumer keeps failing on: its attempts so far and when it may be tried again. */
export interface Failing {
  eventId: string;
  attempts: number;
  firstFailedAt: Date;
  error: string;
  retryAt: number;
}

export const MAX_BACKOFF_MS = 60_000;

/**
 * The failing state after one more failed attempt at `eventId`: attempts counted from `previous`
 * when it is the same event; the retry waits `retryBaseMs` doubled per attempt (capped), and not
 * at all once the attempts are used up (the next step dead-letters it).
 */
export function failedAttempt(
  previous: Failing | undefined,
  eventId: string,
  cause: unknown,
  options: { maxAttempts: number; retryBaseMs: number },
  now = Date.now(),
): Failing {
  const same = previous?.eventId === eventId ? previous : undefined;
  const attempts = (same?.attempts ?? 0) + 1;
  const delay =
    attempts >= options.maxAttempts ? 0 : Math.min(MAX_BACKOFF_MS, options.retryBaseMs * 2 ** (attempts - 1));
  return {
    eventId,
    attempts,
    firstFailedAt: same?.firstFailedAt ?? new Date(now),
    error: describeError(cause),
    retryAt: now + delay,
  };
}

/** An error as stored in `dead_letters.error`: its name and message, at most 2000 characters. */
export function describeError(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.slice(0, 2000);
}
