import { Injectable } from '@nestjs/common';

/**
 * In-process wake-up: the event store rings it after a commit that appended events, the LISTEN
 * connection rings it on a notification; waiting consumer loops then read at once instead of at
 * their next poll. Works with the embedded database's single connection too.
 */
@Injectable()
export class EventSignal {
  private waiters = new Set<() => void>();
  /** Counts rings: a loop notes it before reading, and does not sleep if it changed meanwhile. */
  generation = 0;

  ring(): void {
    this.generation++;
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  /** Resolves on the next ring (at once if one came after generation `since`), or after `ms`. */
  wait(ms: number, abort?: AbortSignal, since = this.generation): Promise<void> {
    return new Promise((resolve) => {
      if (since !== this.generation || abort?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        abort?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      abort?.addEventListener('abort', done, { once: true });
    });
  }
}
