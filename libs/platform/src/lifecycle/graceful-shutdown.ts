import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import net from 'node:net';
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
 * A connection accepted just before the listener closed sends its request at once; after this
 * long, a connection that has sent nothing is an idle keep-alive socket and is closed.
 */
const SILENT_CONNECTION_LINGER_MS = 1_000;
const QUIET_ITERATIONS_MAX = 100;

/**
 * SIGTERM/SIGINT, in this order:
 * 1. `/ready` answers 503 at once (Lifecycle.shuttingDown), and from now on every response
 *    carries `Connection: close` (configureHttp), so each connection closes after its answer;
 * 2. after `drainDelayMs` the listener stops accepting (new connections are refused) while the
 *    connections already accepted stay open: a request on one of them is still served (no 503,
 *    no reset for a request that reached us before the listener closed). Once every connection
 *    has closed, or after SILENT_CONNECTION_LINGER_MS, the ones that sent nothing (idle
 *    keep-alive sockets) are closed;
 * 3. `app.close()`: Fastify waits for the requests still in flight; then the
 *    `onApplicationShutdown` hooks run, root modules first and the global ones last, so consumers
 *    finish their batch and release their leases while the database pool and Redis are still
 *    open, and those close at the very end;
 * 4. exit 0; if all that outlasts `graceMs`, exit 1.
 */
export function installGracefulShutdown(app: INestApplication, options: GracefulShutdownOptions): void {
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    app.get(Lifecycle).shuttingDown = true;
    options.log.info(
      { signal, drainDelayMs: options.drainDelayMs, graceMs: options.graceMs },
      'shutting down: readiness now 503',
    );
    setTimeout(() => {
      options.log.error({ graceMs: options.graceMs }, 'shutdown grace period over: forcing exit');
      process.exit(1);
    }, options.graceMs).unref();
    try {
      await sleep(options.drainDelayMs);
      await stopAccepting(app.getHttpServer() as Server);
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

/**
 * Closes the listening socket but not the connections already accepted. `http.Server#close`
 * would also destroy every connection without a request in progress, including one whose
 * request is on its way (the client sees a reset); `net.Server#close`, which it extends, only
 * stops accepting and reports once the last connection has closed.
 */
async function stopAccepting(server: Server): Promise<void> {
  if (!server.listening) return;
  // A connection still in the kernel's accept queue when the socket closes is reset. So close from
  // the check phase of a loop iteration whose poll phase accepted nothing new (the queue was empty
  // a moment ago), after at most QUIET_ITERATIONS_MAX tries: a busy or descheduled process finds
  // a backlog, accepts it, and closes on the next, short, iteration.
  let arrivals = 0;
  const arrived = () => arrivals++;
  server.on('connection', arrived);
  for (let i = 0; i < QUIET_ITERATIONS_MAX; i++) {
    const before = arrivals;
    await new Promise((resolve) => setImmediate(resolve));
    if (arrivals === before) break;
  }
  server.off('connection', arrived);
  const allClosed = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
  await Promise.race([allClosed, sleep(SILENT_CONNECTION_LINGER_MS)]);
  server.closeIdleConnections();
}
