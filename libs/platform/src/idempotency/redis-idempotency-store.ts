import type { Redis } from 'ioredis';
import {
  type Claim,
  decodeRecord,
  encodeDone,
  encodeStarted,
  type IdempotencyRecord,
  IdempotencyStore,
  leaseValue,
} from './idempotency-store.js';

// KEYS[1] record, KEYS[2] lease. ARGV: lease value, lease ms, started marker, ttl ms.
const CLAIM = `
local rec = redis.call('GET', KEYS[1])
if rec and string.sub(rec, 1, 1) == 'D' then return {'done', rec} end
local lease = redis.call('GET', KEYS[2])
if lease then return {'busy', lease, tostring(redis.call('PTTL', KEYS[2]))} end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
if rec then return {'retry', rec} end
return {'new'}`;

// KEYS[1] lease. ARGV: lease value, lease ms.
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

// KEYS[1] lease. ARGV: lease value.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

// KEYS[1] record, KEYS[2] lease. ARGV: token prefix of the lease value, record, ttl ms.
// Stored when we still hold the lease, or when it lapsed and nobody took it over.
const COMPLETE = `
local lease = redis.call('GET', KEYS[2])
if lease and string.sub(lease, 1, string.len(ARGV[1])) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
if lease then redis.call('DEL', KEYS[2]) end
return 1`;

type Scripted = Redis & {
  idemClaim(
    rec: string,
    lease: string,
    value: string,
    leaseMs: number,
    started: string,
    ttlMs: number,
  ): Promise<string[]>;
  idemRenew(lease: string, value: string, leaseMs: number): Promise<number>;
  idemRelease(lease: string, value: string): Promise<number>;
  idemComplete(rec: string, lease: string, tokenPrefix: string, record: string, ttlMs: number): Promise<number>;
};

/**
 * Keys `<prefix>{<scope>}:r` (the record: a started marker, then the finished response, kept
 * for the TTL) and `<prefix>{<scope>}:l` (the lease, `<token>:<fingerprint>`, a few seconds).
 * Every transition is one Lua script, so claims are atomic across replicas; the hash tag keeps
 * both keys in one Redis Cluster slot.
 */
export class RedisIdempotencyStore extends IdempotencyStore {
  readonly backend = 'redis' as const;
  private readonly redis: Scripted;

  constructor(
    redis: Redis,
    private readonly prefix = 'idem:',
  ) {
    super();
    if (!('idemClaim' in redis)) {
      redis.defineCommand('idemClaim', { numberOfKeys: 2, lua: CLAIM });
      redis.defineCommand('idemRenew', { numberOfKeys: 1, lua: RENEW });
      redis.defineCommand('idemRelease', { numberOfKeys: 1, lua: RELEASE });
      redis.defineCommand('idemComplete', { numberOfKeys: 2, lua: COMPLETE });
    }
    this.redis = redis as Scripted;
  }

  private keys(scope: string): [string, string] {
    return [`${this.prefix}{${scope}}:r`, `${this.prefix}{${scope}}:l`];
  }

  async claim(scope: string, fingerprint: string, token: string, leaseMs: number, ttlMs: number): Promise<Claim> {
    const [rec, lease] = this.keys(scope);
    const reply = await this.redis.idemClaim(
      rec,
      lease,
      leaseValue(token, fingerprint),
      leaseMs,
      encodeStarted(fingerprint),
      ttlMs,
    );
    switch (reply[0]) {
      case 'done':
        return { state: 'done', record: decodeRecord(reply[1]) };
      case 'busy':
        return {
          state: 'busy',
          fingerprint: reply[1].slice(reply[1].indexOf(':') + 1),
          retryAfterMs: Math.max(Number(reply[2]), 0),
        };
      case 'retry':
        return { state: 'retry', fingerprint: reply[1].slice(1) };
      default:
        return { state: 'new' };
    }
  }

  async renew(scope: string, fingerprint: string, token: string, leaseMs: number): Promise<boolean> {
    return (await this.redis.idemRenew(this.keys(scope)[1], leaseValue(token, fingerprint), leaseMs)) === 1;
  }

  async complete(scope: string, token: string, record: IdempotencyRecord, ttlMs: number): Promise<boolean> {
    const [rec, lease] = this.keys(scope);
    return (await this.redis.idemComplete(rec, lease, `${token}:`, encodeDone(record), ttlMs)) === 1;
  }

  async release(scope: string, fingerprint: string, token: string): Promise<void> {
    await this.redis.idemRelease(this.keys(scope)[1], leaseValue(token, fingerprint));
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }
}
