import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock, DomainError, UnitOfWork } from '@app/shared-kernel';
import type { AuthenticatedUser } from '../../../domain/authenticated-user.js';
import { decideRefresh, refreshExpiry, type RefreshDecision } from '../../../domain/refresh-token.js';
import { AccessTokenIssuer } from '../../../ports/access-token-issuer.js';
import { RefreshTokenStore } from '../../../ports/refresh-token.store.js';
import { UserCredentials } from '../../../ports/user-credentials.js';
import { AuthSettings } from '../../auth-settings.js';
import type { TokenPair } from '../log-in/log-in.command.js';
import { RefreshSessionCommand } from './refresh-session.command.js';

const REFUSALS: Record<Exclude<RefreshDecision, 'rotate'>, [string, string]> = {
  unknown: ['invalid-refresh-token', 'The refresh token is not valid.'],
  revoked: ['refresh-token-revoked', 'The refresh token has been revoked; log in again.'],
  reused: ['refresh-token-reused', 'The refresh token was already used; its session has been revoked. Log in again.'],
  expired: ['refresh-token-expired', 'The refresh token has expired; log in again.'],
};

/**
 * Rotation under a row lock: the presented token is marked rotated and replaced by a new one in
 * its family. A token presented again after its rotation revokes the whole family; that
 * revocation commits before the 401 is answered.
 */
@CommandHandler(RefreshSessionCommand)
export class RefreshSessionHandler implements ICommandHandler<RefreshSessionCommand> {
  constructor(
    private readonly refreshTokens: RefreshTokenStore,
    private readonly credentials: UserCredentials,
    private readonly accessTokens: AccessTokenIssuer,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly settings: AuthSettings,
  ) {}

  async execute(command: RefreshSessionCommand): Promise<TokenPair> {
    const now = this.clock.now();
    const outcome = await this.uow.run(async (): Promise<{ decision: RefreshDecision; token?: string; user?: AuthenticatedUser }> => {
      const record = await this.refreshTokens.findForUpdate(command.refreshToken);
      const decision = decideRefresh(record, now);
      if (decision === 'reused') await this.refreshTokens.revokeFamily(record!.familyId, now);
      if (decision !== 'rotate') return { decision };
      const user = await this.credentials.byId(record!.userId);
      if (!user) {
        await this.refreshTokens.revokeFamily(record!.familyId, now);
        return { decision: 'revoked' };
      }
      const next = await this.refreshTokens.issue({ userId: user.id, familyId: record!.familyId, now, expiresAt: refreshExpiry(now, this.settings.refreshTokenTtlSeconds) });
      await this.refreshTokens.markRotated(record!.id, next.record.id, now);
      return { decision, token: next.token, user };
    });
    if (outcome.decision !== 'rotate') {
      const [code, message] = REFUSALS[outcome.decision];
      throw new DomainError('unauthenticated', code, message);
    }
    return { ...this.accessTokens.issue(outcome.user!), refreshToken: outcome.token!, tokenType: 'Bearer' };
  }
}
