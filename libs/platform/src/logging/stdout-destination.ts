import { pino } from 'pino';

/** Bytes sonic-boom gathers before it writes; its timer writes what is left every FLUSH_INTERVAL_MS. */
export const MIN_WRITE_BYTES = 4096;
export const FLUSH_INTERVAL_MS = 500;

type SonicBoom = ReturnType<typeof pino.destination>;
let stdout: SonicBoom | undefined;

/**
 * The process's one stdout destination, shared by every logger so that lines keep their order:
 * pino's own (sonic-boom), writing synchronously in chunks of about 4 KiB, at least every half
 * second (`periodicFlush`), and what is left when the process exits. A write call per line cost
 * 4.8 µs more per line (bench/logging), and asynchronous writes could put a line still in flight
 * at `process.exit` after the ones flushed at exit (docs/decisions/0069).
 */
export function stdoutDestination(): SonicBoom {
  if (stdout) return stdout;
  const destination = pino.destination({
    dest: 1,
    sync: true,
    minLength: MIN_WRITE_BYTES,
    periodicFlush: FLUSH_INTERVAL_MS,
  });
  // pino flushes an asynchronous destination at exit by itself, not a synchronous one.
  process.on('exit', () => destination.flushSync());
  stdout = destination;
  return destination;
}
