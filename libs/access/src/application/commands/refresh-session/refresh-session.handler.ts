import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock, CommitThenRefuse, DomainError, UnitOfWork } from '@app/shared-kernel';
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
 * its family. Presented again within the reuse interval (a client retrying a lost response), it
 * gets another new one in the family; later, it revokes the whole family, and that revocation
 * commits before the 401 is answered (CommitThenRefuse).
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

  execute(command: RefreshSessionCommand): Promise<TokenPair> {
    const now = this.clock.now();
    return this.uow.run(async () => {
      const record = await this.refreshTokens.findForUpdate(command.refreshToken);
      const decision = decideRefresh(record, now, this.settings.refreshTokenReuseIntervalSeconds);
      if (decision === 'reused') {
        await this.refreshTokens.revokeFamily(record!.familyId, now);
        throw new CommitThenRefuse(refusal('reused'));
      }
      if (decision !== 'rotate') throw refusal(decision);
      const user = await this.credentials.byId(record!.userId);
      if (!user) {
        await this.refreshTokens.revokeFamily(record!.familyId, now);
        throw new CommitThenRefuse(refusal('revoked'));
      }
      const next = await this.refreshTokens.issue({
        userId: user.id,
        familyId: record!.familyId,
        now,
        expiresAt: refreshExpiry(now, this.settings.refreshTokenTtlSeconds),
      });
      // A retry within the reuse interval keeps the first rotation's time (the interval does not slide).
      if (!record!.rotatedAt) await this.refreshTokens.markRotated(record!.id, next.record.id, now);
      return { ...this.accessTokens.issue(user), refreshToken: next.token, tokenType: 'Bearer' as const };
    });
  }
}

function refusal(decision: Exclude<RefreshDecision, 'rotate'>): DomainError {
  const [code, message] = REFUSALS[decision];
  return new DomainError('unauthenticated', code, message);
}
