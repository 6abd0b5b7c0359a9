/** The scheduler's rules, pure: what to do with a due timer, which versions its events take, how long to sleep. */

export interface FiringPolicy {
  /** Fired more than this after due: marked late. */
  lateToleranceMs: number;
  /** More overdue than this: dropped instead of fired. 0: never dropped. */
  maxLatenessMs: number;
}

export type FiringDecision = { kind: 'fire'; delayMs: number; late: boolean } | { kind: 'drop'; delayMs: number };

/** A due timer at `now`: fired (late or not), or dropped when it is past the maximum lateness. */
export function decideFiring(dueAt: Date, now: Date, policy: FiringPolicy): FiringDecision {
  const delayMs = Math.max(0, now.getTime() - dueAt.getTime());
  if (policy.maxLatenessMs > 0 && delayMs > policy.maxLatenessMs) return { kind: 'drop', delayMs };
  return { kind: 'fire', delayMs, late: delayMs > policy.lateToleranceMs };
}

/**
 * The version each event takes, in order: its aggregate's next one (the highest version in the
 * log, or 0, plus one), counting the events before it in the same batch.
 */
export function nextVersions(aggregateIds: readonly string[], latest: ReadonlyMap<string, number>): number[] {
  const last = new Map(latest);
  return aggregateIds.map((id) => {
    const version = (last.get(id) ?? 0) + 1;
    last.set(id, version);
    return version;
  });
}

/**
 * How long the scheduler sleeps after a batch that was not full: until the next pending timer is
 * due, at most `pollIntervalMs` (timers that other processes schedule are seen at the next poll;
 * this process's own schedules wake it at once). No pending timer: the poll interval.
 */
export function sleepMs(nextDueAt: Date | undefined, now: Date, pollIntervalMs: number): number {
  if (!nextDueAt) return pollIntervalMs;
  return Math.min(pollIntervalMs, Math.max(0, nextDueAt.getTime() - now.getTime()));
}
