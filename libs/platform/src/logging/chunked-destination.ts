import { pino, type DestinationStream } from 'pino';

/** Characters gathered before a chunk is written; a timer writes what is left every FLUSH_INTERVAL_MS. */
export const CHUNK_CHARS = 4096;
export const FLUSH_INTERVAL_MS = 500;

type SonicBoom = ReturnType<typeof pino.destination>;

/**
 * Log lines written in chunks of about 4 KiB, at least every half second, and at exit (a
 * `process.exit` included; a SIGKILL loses at most the last half second). A write call per line
 * was most of logging's cost per request (docs/decisions/0042).
 *
 * The lines are gathered here and handed over a chunk at a time to pino's own destination
 * (sonic-boom, synchronous: an asynchronous write's hand-off to libuv's thread pool cost more
 * than the write), which deals with partial writes, EAGAIN on a full pipe and EPIPE. Letting
 * sonic-boom gather them itself (`minLength`) measures the whole pending buffer on every line,
 * five times the cost of the rest of a line's way out (docs/decisions/0058).
 */
export class ChunkedDestination implements DestinationStream {
  private lines: string[] = [];
  private chars = 0;
  private ended = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onExit = () => this.flush();

  constructor(private readonly out: SonicBoom) {
    this.timer = setInterval(() => this.flush(), FLUSH_INTERVAL_MS).unref();
    process.on('exit', this.onExit);
  }

  /** A destination over a file descriptor (stdout by default) or a file path. */
  static to(dest: number | string = 1): ChunkedDestination {
    return new ChunkedDestination(pino.destination({ dest, sync: true }));
  }

  write(line: string): void {
    if (this.ended) return;
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= CHUNK_CHARS) this.flush();
  }

  /** Writes the gathered lines now. */
  flush(): void {
    if (this.chars === 0 || this.ended) return;
    const chunk = this.lines.join('');
    this.lines = [];
    this.chars = 0;
    this.out.write(chunk);
  }

  /** Writes what is gathered and closes the underlying destination; later lines are dropped. */
  end(): void {
    this.flush();
    this.ended = true;
    clearInterval(this.timer);
    process.off('exit', this.onExit);
    this.out.end();
  }
}

let stdout: ChunkedDestination | undefined;

/** The process's one chunked stdout, shared by every logger so that lines keep their order. */
export function stdoutDestination(): ChunkedDestination {
  stdout ??= ChunkedDestination.to(1);
  return stdout;
}
