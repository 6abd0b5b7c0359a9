/** Thrown when the queue is full; carries a Retry-After estimate. */
export class ExecutorSaturated extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('executor saturated');
  }
}

/**
 * Runs at most `concurrency` jobs at once and queues at most `queueMax` more; beyond that `run`
 * fails at once (ExecutorSaturated) so that latency stays bounded. A finishing job hands its
 * slot straight to the oldest waiter (FIFO, no barging).
 */
export class BoundedExecutor {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** Exponentially weighted average job time, for the Retry-After estimate. */
  private averageMs = 250;

  constructor(
    readonly concurrency: number,
    readonly queueMax: number,
  ) {}

  get stats(): { running: number; queued: number } {
    return { running: this.running, queued: this.waiting.length };
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) {
      this.running++;
    } else {
      if (this.waiting.length >= this.queueMax) throw new ExecutorSaturated(this.retryAfterSeconds());
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    const started = performance.now();
    try {
      return await job();
    } finally {
      this.averageMs = 0.8 * this.averageMs + 0.2 * (performance.now() - started);
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** About how long until the queue has drained by one queue's worth. */
  private retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(((this.waiting.length / this.concurrency + 1) * this.averageMs) / 1000));
  }
}
