/** The event a timer appends when it fires; its aggregateVersion is chosen then (the aggregate's next). */
export interface TimerEvent<P = unknown> {
  type: string;
  aggregateType: string;
  /** A UUID, like every event's aggregate id. */
  aggregateId: string;
  payload: P;
}

/** "At `at`, append `event`", under a key that names the timer for rescheduling and cancelling. */
export interface Timer<P = unknown> {
  key: string;
  at: Date;
  event: TimerEvent<P>;
}

/**
 * Durable timers (docs/decisions/0071). Both methods write in the current unit of work (a
 * command's or a consumer's transaction), so a timer is scheduled or cancelled exactly when that
 * transaction commits. The worker's scheduler fires each due timer once, across replicas and
 * restarts, by appending its event in the transaction that marks it fired; the appended event's
 * `metadata.timer` holds the key, the due and firing times and the lateness.
 */
export abstract class Timers {
  /**
   * Inside the current transaction: at `at`, append `event`. Scheduling a key that exists
   * replaces its time and event and makes it pending again (also after it fired or was dropped).
   */
  abstract schedule(timer: Timer): Promise<void>;
  /** Inside the current transaction: cancels the pending timer with this key (no-op if none, or fired). */
  abstract cancel(key: string): Promise<void>;
}
