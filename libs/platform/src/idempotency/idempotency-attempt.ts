import { randomUUID } from 'node:crypto';

/** One keyed request in flight: its key's scope, its lease, and what happens to its response. */
export class IdempotencyAttempt {
  readonly token = randomUUID();
  holdsLease = false;
  /** The command transaction recorded the key (it commits with the command, or neither does). */
  recorded = false;
  /** The response is stored when it leaves, unless it is a rejection, a transient 4xx or a 5xx. */
  keep = true;
  /** The route never keeps its responses (@IdempotentResponseNotKept): a success releases the key, the row keeps the outcome. */
  responseNotKept = false;
  /** Set once the response is handled (stored, released) or abandoned (simulated crash). */
  done = false;
  /** The handler's run (new or recovered), so a client gone away releases the key only once it settles. */
  running?: Promise<unknown>;
  private renewal?: NodeJS.Timeout;

  constructor(
    readonly scope: string,
    readonly fingerprint: string,
    public storeUp: boolean,
  ) {}

  /** Renews the lease every `everyMs` until stopped; a failed renewal is left to the next one. */
  startRenewal(renew: () => Promise<unknown>, everyMs: number): void {
    this.renewal = setInterval(() => void renew().catch(() => undefined), everyMs);
    this.renewal.unref();
  }

  /** Marks the response handled and stops renewing; false if it already was. */
  finish(): boolean {
    if (this.done) return false;
    this.done = true;
    clearInterval(this.renewal);
    return true;
  }

  /** Resolves once the handler's run has settled, however it ended. */
  settled(): Promise<unknown> {
    return (this.running ?? Promise.resolve()).catch(() => undefined);
  }
}
