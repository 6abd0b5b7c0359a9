import type { RefreshTokenRecord } from '../domain/refresh-token.js';

/**
 * Refresh tokens: opaque random strings handed to the client once; the store keeps only their
 * SHA-256 hash. Calls join the open unit of work.
 */
export abstract class RefreshTokenStore {
  /** A new token in `familyId`, or in a new family (a login) when omitted. */
  abstract issue(input: {
    userId: string;
    familyId?: string;
    now: Date;
    expiresAt: Date;
  }): Promise<{ token: string; record: RefreshTokenRecord }>;
  /** The token's record, locked until the unit of work ends (concurrent refreshes serialise). */
  abstract findForUpdate(token: string): Promise<RefreshTokenRecord | null>;
  abstract markRotated(id: string, replacedBy: string, at: Date): Promise<void>;
  abstract revokeFamily(familyId: string, at: Date): Promise<void>;
}
