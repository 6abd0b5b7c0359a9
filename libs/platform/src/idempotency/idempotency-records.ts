import { Inject, Injectable } from '@nestjs/common';
import pg from 'pg';
import { DomainError } from '@app/shared-kernel';
import type { CommandOutcome } from '../transactions/command-scope.js';
import type { Tx } from '../transactions/transaction-runner.js';
import type { StoredResponse } from './idempotency-store.js';

const FLUSH_AFTER_MS = 25;

/** A key recorded by a committed command. `response` is set only when the fast store could not keep it. */
export interface CommittedKey {
  fingerprint: string;
  /** What the command's transaction committed, decoded (see encodeOutcome). */
  outcome: CommandOutcome;
  response: StoredResponse | null;
}

/**
 * A command's outcome as JSON text (stored as a jsonb string, so that its objects keep their key
 * order, and a response rebuilt from it its bytes) that keeps what JSON loses: `{"v": value, "r": refusal, "c":
 * consistency token}`; `Date` and `bigint` are tagged (`{"$date": iso}`, `{"$bigint": "12"}`) and
 * revived, a refusal comes back as a DomainError. The unit of work has checked the value is plain
 * data (assertPlainData).
 */
export function encodeOutcome(outcome: CommandOutcome): string {
  const { refusal } = outcome;
  const encoded = {
    v: outcome.value,
    r: refusal && { kind: refusal.kind, code: refusal.code, message: refusal.message, details: refusal.details },
    c: outcome.consistencyToken,
  };
  return JSON.stringify(encoded, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key];
    if (raw instanceof Date) return { $date: raw.toISOString() };
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    return v;
  });
}

type EncodedOutcome = { v?: unknown; r?: Pick<DomainError, 'kind' | 'code' | 'message' | 'details'>; c?: string };

export function decodeOutcome(json: string): CommandOutcome {
  const { v, r, c } = JSON.parse(json, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === '$date') return new Date((v as { $date: string }).$date);
      if (keys.length === 1 && keys[0] === '$bigint') return BigInt((v as { $bigint: string }).$bigint);
    }
    return v;
  }) as EncodedOutcome;
  return { value: v, refusal: r && new DomainError(r.kind, r.code, r.message, r.details), consistencyToken: c };
}

/**
 * The `idempotency_keys` table: a keyed command records its key in its own transaction, so the
 * key and the effect commit together or not at all, and the primary key makes a second effect
 * under the same key impossible even when the fast store is down.
 */
@Injectable()
export class IdempotencyRecords {
  constructor(@Inject(pg.Pool) private readonly pool: pg.Pool) {}

  /**
   * Inside the command's transaction. False when the key is already recorded (by a committed
   * command, or one that commits while this waits on the row): the caller must roll back.
   */
  async insert(
    tx: Tx,
    scope: string,
    fingerprint: string,
    outcome: CommandOutcome,
    ttlSeconds: number,
  ): Promise<boolean> {
    const count = await tx.execute(
      `INSERT INTO idempotency_keys (scope_key, fingerprint, result)
       VALUES ($1, $2, to_jsonb($3::text))
       ON CONFLICT (scope_key) DO UPDATE
         SET fingerprint = EXCLUDED.fingerprint, result = EXCLUDED.result, response = NULL, created_at = now()
         WHERE idempotency_keys.created_at < now() - make_interval(secs => $4::float8)`,
      scope,
      fingerprint,
      encodeOutcome(outcome),
      ttlSeconds,
    );
    return count === 1;
  }

  async find(scope: string, ttlSeconds: number): Promise<CommittedKey | undefined> {
    const { rows } = await this.pool.query<{ fingerprint: string; result: string; response: StoredResponse | null }>(
      `SELECT fingerprint, result #>> '{}' AS result, response FROM idempotency_keys
        WHERE scope_key = $1 AND created_at >= now() - make_interval(secs => $2)`,
      [scope, ttlSeconds],
    );
    const row = rows[0];
    return row && { fingerprint: row.fingerprint, outcome: decodeOutcome(row.result), response: row.response };
  }

  private pending = new Map<string, StoredResponse>();
  private flushing?: Promise<void>;

  /** Keeps the finished response with the key, now (the fast store is unavailable: this row is the only copy). */
  async saveResponse(scope: string, response: StoredResponse): Promise<void> {
    await this.pool.query('UPDATE idempotency_keys SET response = $2 WHERE scope_key = $1', [
      scope,
      JSON.stringify(response),
    ]);
  }

  /**
   * Keeps the finished response with the key a moment later, batched with others into one
   * statement (the fast store has it meanwhile). A crash before the flush loses nothing that
   * cannot be rebuilt from the recorded outcome (docs/decisions/0031).
   */
  saveResponseLater(scope: string, response: StoredResponse): void {
    this.pending.set(scope, response);
    this.flushing ??= new Promise<void>((resolve) => setTimeout(resolve, FLUSH_AFTER_MS)).then(() => this.flush());
  }

  /** Writes the batched responses (also on shutdown). */
  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = undefined;
    if (batch.size === 0) return;
    await this.pool
      .query(
        `UPDATE idempotency_keys k SET response = v.response
           FROM unnest($1::text[], $2::jsonb[]) AS v(scope_key, response) WHERE k.scope_key = v.scope_key`,
        [[...batch.keys()], [...batch.values()].map((r) => JSON.stringify(r))],
      )
      .catch(() => undefined);
  }

  /** Deletes records older than the TTL, a batch at a time. */
  async purgeExpired(ttlSeconds: number, batch = 1000): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM idempotency_keys WHERE scope_key IN (
         SELECT scope_key FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1) LIMIT $2)`,
      [ttlSeconds, batch],
    );
    return rowCount ?? 0;
  }
}
