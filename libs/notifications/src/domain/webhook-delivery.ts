/** How one delivery attempt ended. */
export type AttemptResult = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/** A delivery after an attempt: delivered, retried later, or dead (dead-lettered; its endpoint is disabled). */
export type AfterAttempt = { kind: 'delivered' } | { kind: 'retry'; at: Date } | { kind: 'dead' };

const MAX_DELAY_MS = 3_600_000;

/** The delay before attempt `attempts + 1`: `baseMs` doubled per attempt made, at most an hour. */
export function backoffMs(attempts: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(attempts - 1, 0), MAX_DELAY_MS);
}

/** What follows attempt number `attempts` (counted from 1). */
export function afterAttempt(
  result: AttemptResult,
  attempts: number,
  maxAttempts: number,
  baseMs: number,
  now: Date,
): AfterAttempt {
  if (result.ok) return { kind: 'delivered' };
  if (attempts >= maxAttempts) return { kind: 'dead' };
  return { kind: 'retry', at: new Date(now.getTime() + backoffMs(attempts, baseMs)) };
}

/** A receiver's answer counts as delivered when it is 2xx; a redirect is not followed and counts as a failure. */
export const accepted = (status: number) => status >= 200 && status < 300;
