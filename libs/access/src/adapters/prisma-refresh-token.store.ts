import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/platform';
import type { RefreshTokenRecord } from '../domain/refresh-token.js';
import { RefreshTokenStore } from '../ports/refresh-token.store.js';

/** 32 random bytes, base64url: 256 bits, so a fast hash (SHA-256) is enough to store it. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

interface Row {
  id: string;
  family_id: string;
  user_id: string;
  created_at: Date;
  expires_at: Date;
  rotated_at: Date | null;
  replaced_by: string | null;
  revoked_at: Date | null;
}

const toRecord = (r: Row): RefreshTokenRecord => ({
  id: r.id,
  familyId: r.family_id,
  userId: r.user_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  rotatedAt: r.rotated_at,
  replacedBy: r.replaced_by,
  revokedAt: r.revoked_at,
});

@Injectable()
export class PrismaRefreshTokenStore extends RefreshTokenStore {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  private get db() {
    return this.transactions.client;
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
    await this.db.execute(
      `INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at, rotated_at, replaced_by, revoked_at)
       VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6, NULL, NULL, NULL)`,
      record.id,
      record.familyId,
      record.userId,
      hashRefreshToken(token),
      record.createdAt,
      record.expiresAt,
    );
    return { token, record };
  }

  async findForUpdate(token: string): Promise<RefreshTokenRecord | null> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 200) return null;
    const rows = await this.db.query<Row[]>(
      `SELECT id, family_id, user_id, created_at, expires_at, rotated_at, replaced_by, revoked_at
         FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
      hashRefreshToken(token),
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async markRotated(id: string, replacedBy: string, at: Date): Promise<void> {
    await this.db.execute(
      'UPDATE refresh_tokens SET rotated_at = $2, replaced_by = $3::uuid WHERE id = $1::uuid',
      id,
      at,
      replacedBy,
    );
  }

  async revokeFamily(familyId: string, at: Date): Promise<void> {
    await this.db.execute(
      'UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1::uuid AND revoked_at IS NULL',
      familyId,
      at,
    );
  }
}
