export * from './access.module.js';
export * from './auth.module.js';
export { AccessTokens } from './adapters/access-tokens.js';
export type { AuthenticatedUser, Role } from './domain/authenticated-user.js';
export { AdminGuard, AdminOnly, Authenticated, BearerAuthGuard, CurrentUser } from './http/guards.js';
export { UserCredentials } from './ports/user-credentials.js';
