/** The event a timer appends when it fires (the next version of its aggregate). */
export interface TimerEvent<P = unknown> {
  type: string;
  aggregateType: string;
  aggregateId: string;
  payload: P;
}

/** "At `at`, append `event`", under a key that later calls move or cancel. */
export interface Timer<P = unknown> {
  key: string;
  at: Date;
  event: TimerEvent<P>;
}

/**
 * Durable timers, inside the current transaction: scheduling an existing key moves its pending
 * timer; firing appends the event in the transaction that marks the timer fired.
 */
export abstract class Timers {
  abstract schedule(timer: Timer): Promise<void>;
  abstract cancel(key: string): Promise<void>;
}
