import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { DomainError } from '@app/shared-kernel';
import type { Database } from '../database/database.js';
import type { CommandOutcome } from '../transactions/command-scope.js';
import { TransactionRunner } from '../transactions/transaction-runner.js';
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

/** The database's clock minus the TTL: records created before it have expired. */
const expiredBefore = (ttlSeconds: number) => sql<Date>`now() - make_interval(secs => ${ttlSeconds}::float8)`;

/**
 * The `idempotency_keys` table: a keyed command records its key in its own transaction, so the
 * key and the effect commit together or not at all, and the primary key makes a second effect
 * under the same key impossible even when the fast store is down.
 */
@Injectable()
export class IdempotencyRecords {
  constructor(private readonly transactions: TransactionRunner) {}

  /**
   * Inside the command's transaction. False when the key is already recorded (by a committed
   * command, or one that commits while this waits on the row): the caller must roll back.
   */
  async insert(
    db: Database,
    scope: string,
    fingerprint: string,
    outcome: CommandOutcome,
    ttlSeconds: number,
  ): Promise<boolean> {
    const { numInsertedOrUpdatedRows } = await db
      .insertInto('idempotency_keys')
      // The outcome's text as a jsonb string: its key order survives (schema.prisma).
      .values({ scope_key: scope, fingerprint, result: sql`to_jsonb(${encodeOutcome(outcome)}::text)` })
      .onConflict((conflict) =>
        conflict
          .column('scope_key')
          .doUpdateSet((eb) => ({
            fingerprint: eb.ref('excluded.fingerprint'),
            result: eb.ref('excluded.result'),
            response: null,
            created_at: sql<Date>`now()`,
          }))
          .where('idempotency_keys.created_at', '<', expiredBefore(ttlSeconds)),
      )
      .executeTakeFirstOrThrow();
    return numInsertedOrUpdatedRows === 1n;
  }

  async find(scope: string, ttlSeconds: number): Promise<CommittedKey | undefined> {
    const row = await this.transactions.db
      .selectFrom('idempotency_keys')
      .select(['fingerprint', sql<string>`result #>> '{}'`.as('result'), 'response'])
      .where('scope_key', '=', scope)
      .where('created_at', '>=', expiredBefore(ttlSeconds))
      .executeTakeFirst();
    return (
      row && {
        fingerprint: row.fingerprint,
        outcome: decodeOutcome(row.result),
        response: row.response as StoredResponse | null,
      }
    );
  }

  private pending = new Map<string, StoredResponse>();
  private flushing?: Promise<void>;

  /** Keeps the finished response with the key, now (the fast store is unavailable: this row is the only copy). */
  async saveResponse(scope: string, response: StoredResponse): Promise<void> {
    await this.transactions.db
      .updateTable('idempotency_keys')
      .set({ response: JSON.stringify(response) })
      .where('scope_key', '=', scope)
      .execute();
  }

  /**
   * Keeps the finished response with the key a moment later, batched with others into one
   * statement (the fast store has it meanwhile). A crash before the flush loses nothing that
   * cannot be rebuilt from the recorded outcome (docs/decisions/0031).
   */
  saveResponseLater(scope: string, response: StoredResponse): void {
    this.pending.set(scope, response);
    this.flushing ??= this.flushAfterDelay();
  }

  private async flushAfterDelay(): Promise<void> {
    await sleep(FLUSH_AFTER_MS);
    await this.flush();
  }

  /** Writes the batched responses (also on shutdown). */
  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = undefined;
    if (batch.size === 0) return;
    // The batch as one JSON object keyed by scope: each row takes its own entry.
    const responses = JSON.stringify(Object.fromEntries(batch));
    try {
      await this.transactions.db
        .updateTable('idempotency_keys')
        .set({ response: sql`${responses}::jsonb -> scope_key` })
        .where((eb) => eb('scope_key', '=', eb.fn.any(eb.val([...batch.keys()]))))
        .execute();
    } catch {
      // Lost responses are rebuilt from the recorded outcome (see saveResponseLater).
    }
  }

  /** Deletes records older than the TTL, a batch at a time. */
  async purgeExpired(ttlSeconds: number, batch = 1000): Promise<number> {
    const expired = this.transactions.db
      .selectFrom('idempotency_keys')
      .select('scope_key')
      .where('created_at', '<', expiredBefore(ttlSeconds))
      .limit(batch);
    const { numDeletedRows } = await this.transactions.db
      .deleteFrom('idempotency_keys')
      .where('scope_key', 'in', expired)
      .executeTakeFirstOrThrow();
    return Number(numDeletedRows);
  }
}
