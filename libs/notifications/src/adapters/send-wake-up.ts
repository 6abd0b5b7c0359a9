/** Wakes this process's webhook and email senders when work was queued (after the commit), so they need not wait for their poll. */
export class SendWakeUp {
  private waiters: (() => void)[] = [];

  ring(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves on the next ring, or after `ms`. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.waiters.push(done);
    });
  }

  /**
   * Starts `count` loops that each run `step`: again at once after it did some work, else after the
   * next ring or `pollMs`; a failed step (the database away) is logged and retried after `pollMs`.
   * The returned stop ends them and resolves once each has finished the step it was in (no poll
   * waited after it).
   */
  start(
    count: number,
    step: () => Promise<boolean>,
    pollMs: number,
    warn: (message: string) => void,
  ): () => Promise<void> {
    let stopped = false;
    const loops = Array.from({ length: count }, () => this.loop(step, pollMs, () => stopped, warn));
    return async () => {
      stopped = true;
      this.ring();
      await Promise.all(loops);
    };
  }

  private async loop(
    step: () => Promise<boolean>,
    pollMs: number,
    stopped: () => boolean,
    warn: (message: string) => void,
  ): Promise<void> {
    while (!stopped()) {
      try {
        if (!(await step()) && !stopped()) await this.wait(pollMs);
      } catch (err) {
        warn((err as Error).message);
        if (!stopped()) await this.wait(pollMs);
      }
    }
  }
}
