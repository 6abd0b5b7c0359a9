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
   * Runs `step` until `stopped()`: again at once after it did some work, else after the next ring
   * or `pollMs`; a failed step (the database away) is logged and retried after `pollMs`.
   */
  async loop(
    step: () => Promise<boolean>,
    pollMs: number,
    stopped: () => boolean,
    warn: (message: string) => void,
  ): Promise<void> {
    while (!stopped()) {
      try {
        if (!(await step())) await this.wait(pollMs);
      } catch (err) {
        warn((err as Error).message);
        await this.wait(pollMs);
      }
    }
  }
}
