import {
  CanActivate,
  ExecutionContext,
  Injectable,
  applyDecorators,
  createParamDecorator,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '@app/shared-kernel';
import { ProblemException, requestContext } from '@app/platform';
import { AccessTokens } from '../adapters/access-tokens.js';
import type { AuthenticatedUser } from '../domain/authenticated-user.js';

type AuthedRequest = FastifyRequest & { user?: AuthenticatedUser };

const SCHEME = 'Bearer ';

/** RFC 6750 3.1: a token was presented and is not valid (malformed, expired, wrongly signed). */
function invalidToken(err: DomainError): ProblemException {
  const challenge = `Bearer error="invalid_token", error_description="${err.message.replace(/["\\]/g, "'")}"`;
  return new ProblemException(401, err.code, err.message, { headers: { 'www-authenticate': challenge } });
}

/** Requires a valid bearer access token; 401 problem otherwise. Sets the request's actor. */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(private readonly tokens: AccessTokens) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const header = request.headers.authorization;
    // No credentials: the answer's challenge is a bare `Bearer` (RFC 6750 3.1), added to every 401.
    if (!header) throw new DomainError('unauthenticated', 'missing-token', 'A bearer access token is required.');
    try {
      if (!header.startsWith(SCHEME))
        throw new DomainError(
          'unauthenticated',
          'invalid-token',
          'The Authorization header must be "Bearer <access token>".',
        );
      // The token's format is checked with its signature, once: AccessTokens remembers verified tokens.
      request.user = this.tokens.verify(header.slice(SCHEME.length));
    } catch (err) {
      throw err instanceof DomainError && err.kind === 'unauthenticated' ? invalidToken(err) : err;
    }
    requestContext.setActor(request.user.id);
    return true;
  }
}

/** Requires the admin role (after BearerAuthGuard); 403 problem otherwise. */
@Injectable()
export class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const user = context.switchToHttp().getRequest<AuthedRequest>().user;
    if (!user?.roles.includes('admin'))
      throw new DomainError('forbidden', 'admin-only', 'This endpoint is for administrators.');
    return true;
  }
}

/** The route needs a bearer token. */
export const Authenticated = () =>
  applyDecorators(
    UseGuards(BearerAuthGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing, malformed, expired or wrongly signed token (problem+json).' }),
  );

/** The route needs a bearer token of an admin. */
export const AdminOnly = () =>
  applyDecorators(
    UseGuards(BearerAuthGuard, AdminGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse(),
    ApiForbiddenResponse({ description: 'Not an administrator (problem+json).' }),
  );

/** The authenticated caller of an `@Authenticated()` route. */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): AuthenticatedUser => {
  const user = context.switchToHttp().getRequest<AuthedRequest>().user;
  if (!user) throw new DomainError('unauthenticated', 'missing-token', 'A bearer access token is required.');
  return user;
});
