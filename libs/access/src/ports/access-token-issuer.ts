import type { AuthenticatedUser } from '../domain/authenticated-user.js';

/** Mints access tokens (bound to AccessTokens). */
export abstract class AccessTokenIssuer {
  abstract issue(user: AuthenticatedUser): { accessToken: string; expiresIn: number };
}
