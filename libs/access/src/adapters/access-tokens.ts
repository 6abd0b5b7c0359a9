import { createSecretKey } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { DomainError } from '@app/shared-kernel';
import { AppConfig } from '@app/platform';
import type { AuthenticatedUser, Role } from '../domain/authenticated-user.js';

interface AccessClaims {
  sub: string;
  email: string;
  roles: Role[];
  typ: 'access';
  exp?: number;
}

const ALGORITHM = 'HS256';
/** header.payload.signature, base64url. */
const JWT_FORMAT = /^[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*$/;
/** Verified tokens remembered (a client sends the same token on every request until it expires). */
export const VERIFIED_TOKENS_KEPT = 10_000;

/**
 * Short-lived access tokens: JWT signed with HS256 and JWT_SECRET. Verification accepts only
 * HS256 (so `alg: none` and algorithm confusion fail), checks expiry, and the token type.
 *
 * A token that verified is remembered until its `exp` (up to VERIFIED_TOKENS_KEPT tokens, oldest
 * dropped first): the same string with the same secret verifies the same way until then, and the
 * HMAC plus JSON decoding was the largest single cost of a cached read (docs/decisions/0055).
 */
@Injectable()
export class AccessTokens {
  private readonly jwt: JwtService;
  /** By signature (hashing its 43 characters, not the whole token, on every request); the entry holds its token. */
  private readonly verified = new Map<string, { token: string; user: AuthenticatedUser; expiresAtMs: number }>();

  constructor(private readonly config: AppConfig) {
    // A KeyObject, not the string: given a string, jsonwebtoken first tries createPublicKey on it
    // (and catches the throw) on every verify, about a fifth of a cached read's CPU (bench/tasks).
    this.jwt = new JwtService({ secret: createSecretKey(Buffer.from(config.auth.jwtSecret)) as unknown as string });
  }

  issue(user: AuthenticatedUser): { accessToken: string; expiresIn: number } {
    const expiresIn = this.config.auth.accessTokenTtlSeconds;
    const claims: AccessClaims = { sub: user.id, email: user.email, roles: [...user.roles], typ: 'access' };
    return { accessToken: this.jwt.sign(claims, { algorithm: ALGORITHM, expiresIn }), expiresIn };
  }

  verify(token: string): AuthenticatedUser {
    const signature = token.slice(token.lastIndexOf('.') + 1);
    const known = this.verified.get(signature);
    if (known?.token === token) {
      if (Date.now() < known.expiresAtMs) return known.user;
      this.verified.delete(signature); // expired: the full check below says so
    }
    return this.check(token, signature);
  }

  private check(token: string, signature: string): AuthenticatedUser {
    if (!JWT_FORMAT.test(token))
      throw new DomainError('unauthenticated', 'invalid-token', 'The access token is malformed.');
    let claims: AccessClaims;
    try {
      claims = this.jwt.verify<AccessClaims>(token, { algorithms: [ALGORITHM] });
    } catch (err) {
      const expired = (err as Error).name === 'TokenExpiredError';
      throw new DomainError(
        'unauthenticated',
        expired ? 'token-expired' : 'invalid-token',
        expired ? 'The access token has expired.' : 'The access token is invalid.',
      );
    }
    if (claims.typ !== 'access' || typeof claims.sub !== 'string' || !Array.isArray(claims.roles)) {
      throw new DomainError('unauthenticated', 'invalid-token', 'The access token is invalid.');
    }
    // Frozen: the remembered object is handed to every later request with this token.
    const user = Object.freeze({
      id: claims.sub,
      email: claims.email,
      roles: Object.freeze([...claims.roles]),
    }) as AuthenticatedUser;
    if (typeof claims.exp === 'number') {
      if (this.verified.size >= VERIFIED_TOKENS_KEPT) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(signature, { token, user, expiresAtMs: claims.exp * 1000 });
    }
    return user;
  }
}
