import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock, DomainError, UnitOfWork } from '@app/shared-kernel';
import { refreshExpiry } from '../../../domain/refresh-token.js';
import { AccessTokenIssuer } from '../../../ports/access-token-issuer.js';
import { RateLimiter } from '../../../ports/rate-limiter.js';
import { RefreshTokenStore } from '../../../ports/refresh-token.store.js';
import { UserCredentials } from '../../../ports/user-credentials.js';
import { AuthSettings } from '../../auth-settings.js';
import { LogInCommand, type TokenPair } from './log-in.command.js';

export const invalidCredentials = () =>
  new DomainError('unauthenticated', 'invalid-credentials', 'The email or password is incorrect.');

/**
 * Counts the attempt against the email's and the address's limits first (before any bcrypt
 * work), then verifies the password; a success opens a new refresh-token family.
 */
@CommandHandler(LogInCommand)
export class LogInHandler implements ICommandHandler<LogInCommand> {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly credentials: UserCredentials,
    private readonly refreshTokens: RefreshTokenStore,
    private readonly accessTokens: AccessTokenIssuer,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly settings: AuthSettings,
  ) {}

  async execute(command: LogInCommand): Promise<TokenPair> {
    const decisions = await Promise.all([
      this.limiter.consume('login-email', command.email.trim().toLowerCase()),
      this.limiter.consume('login-ip', command.ip),
    ]);
    const refused = decisions.filter((d) => !d.allowed);
    if (refused.length) {
      const retryAfterSeconds = Math.max(...refused.map((d) => d.retryAfterSeconds));
      throw new DomainError('rate_limited', 'too-many-login-attempts', 'Too many login attempts; retry later.', {
        retryAfterSeconds,
      });
    }
    const user = await this.credentials.verify(command.email, command.password);
    if (!user) throw invalidCredentials();
    const now = this.clock.now();
    return this.uow.run(async () => {
      const { token } = await this.refreshTokens.issue({
        userId: user.id,
        now,
        expiresAt: refreshExpiry(now, this.settings.refreshTokenTtlSeconds),
      });
      return { ...this.accessTokens.issue(user), refreshToken: token, tokenType: 'Bearer' as const };
    });
  }
}
