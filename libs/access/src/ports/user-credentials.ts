import type { AuthenticatedUser } from '../domain/authenticated-user.js';

/**
 * Who may log in: implemented by the slice that owns users (signup) and bound there.
 * `verify` answers null for a wrong password and for an unknown email alike, in about the same
 * time (the adapter compares against a dummy hash when the email is unknown).
 */
export abstract class UserCredentials {
  abstract verify(email: string, password: string): Promise<AuthenticatedUser | null>;
  /** The user as a token should describe it now (roles may have changed), or null when gone. */
  abstract byId(userId: string): Promise<AuthenticatedUser | null>;
}
