import type { INestApplication } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Lifecycle } from './lifecycle.js';

export interface GracefulShutdownOptions {
  /** Time between readiness turning 503 and the listener closing, so load balancers stop routing here. */
  drainDelayMs: number;
  /** Hard limit from the signal to exit; past it the process exits 1 whatever is still running. */
  graceMs: number;
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Runs after the application has closed (the embedded database, the tracer flush). */
  after?: () => Promise<void>;
}

/**
 * SIGTERM/SIGINT, in this order:
 * 1. `/ready` answers 503 at once (Lifecycle.shuttingDown);
 * 2. after `drainDelayMs`, `app.close()`: requests arriving on open connections get 503 with
 *    `Connection: close`, the listener closes (new connections are refused) and Fastify waits
 *    for the requests in flight; then the `onApplicationShutdown` hooks run, root modules first
 *    and the global ones last, so consumers finish their batch and release their leases while
 *    the database pool and Redis are still open, and those close at the very end;
 * 3. exit 0; if all that outlasts `graceMs`, exit 1.
 */
export function installGracefulShutdown(app: INestApplication, options: GracefulShutdownOptions): void {
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    app.get(Lifecycle).shuttingDown = true;
    options.log.info({ signal, drainDelayMs: options.drainDelayMs, graceMs: options.graceMs }, 'shutting down: readiness now 503');
    setTimeout(() => {
      options.log.error({ graceMs: options.graceMs }, 'shutdown grace period over: forcing exit');
      process.exit(1);
    }, options.graceMs).unref();
    try {
      await sleep(options.drainDelayMs);
      await app.close();
      await options.after?.();
      options.log.info({ shutdownMs: Date.now() - started }, 'stopped');
      process.exit(0);
    } catch (err) {
      options.log.error({ err: { message: (err as Error).message } }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', (s) => void shutdown(s));
  process.on('SIGINT', (s) => void shutdown(s));
}
