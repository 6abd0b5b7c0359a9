import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { AccessTokens, type AuthenticatedUser } from '../../libs/access/src/index';

/** Headers with a valid bearer token for `user` (a fresh random user by default), minted by the app itself. */
export function bearer(
  app: INestApplicationContext,
  user: Partial<AuthenticatedUser> = {},
): { authorization: string; user: AuthenticatedUser } {
  const full: AuthenticatedUser = {
    id: user.id ?? randomUUID(),
    email: user.email ?? `u-${randomUUID()}@example.test`,
    roles: user.roles ?? ['user'],
  };
  return { authorization: `Bearer ${app.get(AccessTokens).issue(full).accessToken}`, user: full };
}
