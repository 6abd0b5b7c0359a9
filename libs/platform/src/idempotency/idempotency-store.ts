/** A finished response as it is replayed: status, the replayed headers and the body bytes (base64). */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface IdempotencyRecord extends StoredResponse {
  fingerprint: string;
}

/**
 * What a claim found:
 * - `new`: never seen; the caller now holds the lease and runs the request;
 * - `retry`: an earlier attempt started and never finished (its holder crashed, or it failed
 *   with a 5xx); the caller holds the lease and must look for a committed result first;
 * - `busy`: another request holds the lease (`retryAfterMs` until it expires at the latest);
 * - `done`: the finished response to replay.
 */
export type Claim =
  | { state: 'new' }
  | { state: 'retry'; fingerprint: string }
  | { state: 'busy'; fingerprint: string; retryAfterMs: number }
  | { state: 'done'; record: IdempotencyRecord };

/**
 * Where keys are claimed and finished responses kept: the fast path in front of the database
 * record. The in-flight claim is a short lease held by a token (renewed while the request
 * runs, released only by its holder); the finished record is kept for the TTL.
 */
export abstract class IdempotencyStore {
  /** Which backend, for the start log and readiness. */
  abstract readonly backend: 'redis' | 'memory';

  abstract claim(scope: string, fingerprint: string, token: string, leaseMs: number, ttlMs: number): Promise<Claim>;

  /** Extends the lease if `token` still holds it. */
  abstract renew(scope: string, fingerprint: string, token: string, leaseMs: number): Promise<boolean>;

  /** Keeps the finished response and drops the lease, unless another holder has taken the key over. */
  abstract complete(scope: string, token: string, record: IdempotencyRecord, ttlMs: number): Promise<boolean>;

  /** Drops the lease if `token` holds it, so the key can be used again (responses >= 500). */
  abstract release(scope: string, fingerprint: string, token: string): Promise<void>;

  /** Throws when the store cannot be used (readiness reports it, informationally). */
  abstract ping(): Promise<void>;
}

/** Record encodings shared by the adapters: `S<fingerprint>` for a started attempt, `D<json>` for a finished one. */
export const encodeStarted = (fingerprint: string): string => `S${fingerprint}`;
export const encodeDone = (record: IdempotencyRecord): string => `D${JSON.stringify(record)}`;
export const leaseValue = (token: string, fingerprint: string): string => `${token}:${fingerprint}`;

export function decodeRecord(value: string): IdempotencyRecord {
  return JSON.parse(value.slice(1)) as IdempotencyRecord;
}
