import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock, DomainError, UnitOfWork } from '@app/shared-kernel';
import { RefreshTokenStore } from '../../../ports/refresh-token.store.js';
import { LogOutCommand } from './log-out.command.js';

/** Idempotent for a known token (an already revoked family stays revoked); an unknown token is a 401. */
@CommandHandler(LogOutCommand)
export class LogOutHandler implements ICommandHandler<LogOutCommand> {
  constructor(
    private readonly refreshTokens: RefreshTokenStore,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  execute(command: LogOutCommand): Promise<void> {
    return this.uow.run(async () => {
      const record = await this.refreshTokens.findForUpdate(command.refreshToken);
      if (!record) throw new DomainError('unauthenticated', 'invalid-refresh-token', 'The refresh token is not valid.');
      if (!record.revokedAt) await this.refreshTokens.revokeFamily(record.familyId, this.clock.now());
    });
  }
}
