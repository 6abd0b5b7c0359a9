import { pino } from 'pino';

type SonicBoom = ReturnType<typeof pino.destination>;
let stdout: SonicBoom | undefined;

/**
 * The process's one stdout destination, shared by every logger so that lines keep their order:
 * pino's own (sonic-boom), writing each line synchronously. Asynchronous writes could put a line
 * still in flight at `process.exit` after the ones flushed at exit; gathering 4 KiB chunks before
 * writing saved about 5 µs per line, under 5% of a cached read (docs/decisions/0069).
 */
export function stdoutDestination(): SonicBoom {
  stdout ??= pino.destination({ dest: 1, sync: true });
  return stdout;
}
