/** A stored refresh token, without its secret. */
export interface RefreshTokenRecord {
  id: string;
  familyId: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  rotatedAt: Date | null;
  replacedBy: string | null;
  revokedAt: Date | null;
}

/**
 * What presenting a refresh token means:
 * - unknown: never issued (or garbage);
 * - revoked: its family was revoked (logout, or reuse detected earlier);
 * - reused: it was already rotated longer than the reuse interval ago, so someone holds a stale
 *   copy: the whole family must go;
 * - expired: past its lifetime;
 * - rotate: valid, exchange it for a new one in the same family; also a token rotated within
 *   the reuse interval (a client retrying a refresh whose response it lost): it gets another
 *   new one in the same family, and its rotation time stays the first one's.
 */
export type RefreshDecision = 'unknown' | 'revoked' | 'reused' | 'expired' | 'rotate';

export function decideRefresh(record: RefreshTokenRecord | null, now: Date, reuseIntervalSeconds = 0): RefreshDecision {
  if (!record) return 'unknown';
  if (record.revokedAt) return 'revoked';
  if (record.rotatedAt && now.getTime() - record.rotatedAt.getTime() >= reuseIntervalSeconds * 1000) return 'reused';
  if (record.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'rotate';
}

/** Each issued token (login or rotation) lives REFRESH_TOKEN_TTL_SECONDS from its issue. */
export function refreshExpiry(now: Date, ttlSeconds: number): Date {
  return new Date(now.getTime() + ttlSeconds * 1000);
}
