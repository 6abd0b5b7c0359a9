import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/platform';
import type { RefreshTokenRecord } from '../domain/refresh-token.js';
import { RefreshTokenStore } from '../ports/refresh-token.store.js';

/** 32 random bytes, base64url: 256 bits, so a fast hash (SHA-256) is enough to store it. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** `refresh_tokens` through Kysely; joins the open unit of work when there is one. */
@Injectable()
export class KyselyRefreshTokenStore extends RefreshTokenStore {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  async issue(input: {
    userId: string;
    familyId?: string;
    now: Date;
    expiresAt: Date;
  }): Promise<{ token: string; record: RefreshTokenRecord }> {
    const token = randomBytes(32).toString('base64url');
    const record: RefreshTokenRecord = {
      id: randomUUID(),
      familyId: input.familyId ?? randomUUID(),
      userId: input.userId,
      createdAt: input.now,
      expiresAt: input.expiresAt,
      rotatedAt: null,
      replacedBy: null,
      revokedAt: null,
    };
    await this.transactions.db
      .insertInto('refresh_tokens')
      .values({
        id: record.id,
        family_id: record.familyId,
        user_id: record.userId,
        token_hash: hashRefreshToken(token),
        created_at: record.createdAt,
        expires_at: record.expiresAt,
      })
      .execute();
    return { token, record };
  }

  async findForUpdate(token: string): Promise<RefreshTokenRecord | null> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 200) return null;
    const r = await this.transactions.db
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('token_hash', '=', hashRefreshToken(token))
      .forUpdate()
      .executeTakeFirst();
    if (!r) return null;
    return {
      id: r.id,
      familyId: r.family_id,
      userId: r.user_id,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      rotatedAt: r.rotated_at,
      replacedBy: r.replaced_by,
      revokedAt: r.revoked_at,
    };
  }

  async markRotated(id: string, replacedBy: string, at: Date): Promise<void> {
    await this.transactions.db
      .updateTable('refresh_tokens')
      .set({ rotated_at: at, replaced_by: replacedBy })
      .where('id', '=', id)
      .execute();
  }

  async revokeFamily(familyId: string, at: Date): Promise<void> {
    await this.transactions.db
      .updateTable('refresh_tokens')
      .set({ revoked_at: at })
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .execute();
  }
}
