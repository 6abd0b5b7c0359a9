import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// Eval'd as CommonJS in each worker: renices its own thread (Linux: /proc/thread-self names the
// thread id; setpriority on a thread id affects that thread only), then runs bcrypt's sync API.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcrypt);
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  require('node:os').setPriority(tid, workerData.nice);
} catch {}
parentPort.on('message', ({ id, op, a, b }) => {
  try {
    parentPort.postMessage({ id, result: op === 'hash' ? bcrypt.hashSync(a, b) : bcrypt.compareSync(a, b) });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message || err) });
  }
});
`;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/**
 * `size` worker threads running bcrypt at a lower CPU priority than the event loop, so a signup
 * storm slows hashing a little rather than the reads. Callers bound concurrency to `size`
 * (BoundedExecutor); a job goes to an idle worker, or to the least busy one.
 */
export class BcryptWorkerPool {
  private readonly workers: { worker: Worker; busy: number }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  /** `nice`: the hashing threads' nice value (10: the kernel gives the event loop ~9x their CPU share when they compete). */
  constructor(
    private readonly size: number,
    private readonly nice = 10,
  ) {}

  hash(password: string, cost: number): Promise<string> {
    return this.dispatch('hash', password, cost) as Promise<string>;
  }

  compare(password: string, hash: string): Promise<boolean> {
    return this.dispatch('compare', password, hash) as Promise<boolean>;
  }

  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.worker.terminate()));
    for (const p of this.pending.values()) p.reject(new Error('bcrypt worker pool closed'));
    this.pending.clear();
  }

  private dispatch(op: 'hash' | 'compare', a: string, b: string | number): Promise<unknown> {
    const slot = this.pick();
    const id = this.nextId++;
    slot.busy++;
    return new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, op, a, b });
    }).finally(() => slot.busy--);
  }

  private pick(): { worker: Worker; busy: number } {
    const idle = this.workers.find((w) => w.busy === 0);
    if (idle) return idle;
    if (this.workers.length < this.size) return this.spawn();
    return this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  private spawn(): { worker: Worker; busy: number } {
    const bcryptPath = createRequire(import.meta.url).resolve('bcrypt');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcrypt: bcryptPath, nice: this.nice } });
    worker.unref();
    const slot = { worker, busy: 0 };
    worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.result);
    });
    worker.on('error', (err) => {
      // A dead worker fails its jobs; the next dispatch spawns a replacement.
      const i = this.workers.indexOf(slot);
      if (i >= 0) this.workers.splice(i, 1);
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(err);
      }
    });
    this.workers.push(slot);
    return slot;
  }
}
