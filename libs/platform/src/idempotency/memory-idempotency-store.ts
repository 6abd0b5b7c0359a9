import {
  type Claim,
  decodeRecord,
  encodeDone,
  encodeStarted,
  type IdempotencyRecord,
  IdempotencyStore,
  leaseValue,
} from './idempotency-store.js';

interface Entry {
  value: string;
  expiresAt: number;
}

/**
 * Single-instance mode (no REDIS_URL): the same transitions as the Redis adapter on two maps in
 * this process. Expired entries are dropped when read and by a sweep once a minute.
 */
export class MemoryIdempotencyStore extends IdempotencyStore {
  readonly backend = 'memory' as const;
  private readonly records = new Map<string, Entry>();
  private readonly leases = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    super();
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private live(map: Map<string, Entry>, key: string): Entry | undefined {
    const entry = map.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = this.now();
    for (const map of [this.records, this.leases]) for (const [k, e] of map) if (e.expiresAt <= now) map.delete(k);
  }

  claim(scope: string, fingerprint: string, token: string, leaseMs: number, ttlMs: number): Promise<Claim> {
    const rec = this.live(this.records, scope);
    if (rec?.value.startsWith('D')) return Promise.resolve({ state: 'done', record: decodeRecord(rec.value) });
    const lease = this.live(this.leases, scope);
    if (lease) {
      return Promise.resolve({
        state: 'busy',
        fingerprint: lease.value.slice(lease.value.indexOf(':') + 1),
        retryAfterMs: lease.expiresAt - this.now(),
      });
    }
    this.leases.set(scope, { value: leaseValue(token, fingerprint), expiresAt: this.now() + leaseMs });
    this.records.set(scope, { value: encodeStarted(fingerprint), expiresAt: this.now() + ttlMs });
    return Promise.resolve(rec ? { state: 'retry', fingerprint: rec.value.slice(1) } : { state: 'new' });
  }

  renew(scope: string, fingerprint: string, token: string, leaseMs: number): Promise<boolean> {
    const lease = this.live(this.leases, scope);
    if (lease?.value !== leaseValue(token, fingerprint)) return Promise.resolve(false);
    lease.expiresAt = this.now() + leaseMs;
    return Promise.resolve(true);
  }

  complete(scope: string, token: string, record: IdempotencyRecord, ttlMs: number): Promise<boolean> {
    const lease = this.live(this.leases, scope);
    if (lease && !lease.value.startsWith(`${token}:`)) return Promise.resolve(false);
    this.records.set(scope, { value: encodeDone(record), expiresAt: this.now() + ttlMs });
    this.leases.delete(scope);
    return Promise.resolve(true);
  }

  release(scope: string, fingerprint: string, token: string): Promise<void> {
    if (this.live(this.leases, scope)?.value === leaseValue(token, fingerprint)) this.leases.delete(scope);
    return Promise.resolve();
  }

  async ping(): Promise<void> {}
}
