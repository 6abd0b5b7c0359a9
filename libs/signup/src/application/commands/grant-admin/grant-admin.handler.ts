import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EventStore } from '@app/events/ports';
import { DomainError, UnitOfWork } from '@app/shared-kernel';
import { normaliseEmail, USER_AGGREGATE, USER_ROLE_GRANTED } from '../../../domain/user.js';
import { UserRepository } from '../../../ports/user.repository.js';
import { GrantAdminCommand } from './grant-admin.command.js';

@CommandHandler(GrantAdminCommand)
export class GrantAdminHandler implements ICommandHandler<GrantAdminCommand> {
  constructor(
    private readonly users: UserRepository,
    private readonly events: EventStore,
    private readonly uow: UnitOfWork,
  ) {}

  async execute(command: GrantAdminCommand): Promise<{ userId: string; alreadyAdmin: boolean }> {
    return this.uow.run(async () => {
      const user = await this.users.byEmail(normaliseEmail(command.email));
      if (!user) throw new DomainError('not_found', 'user-not-found', `No user has the email ${command.email.trim()}.`);
      if (user.role === 'admin') return { userId: user.id, alreadyAdmin: true };
      await this.users.setRole(user.id, 'admin');
      // The signup event is version 1; later role changes take the next free version.
      await this.events.append([
        {
          type: USER_ROLE_GRANTED,
          aggregateType: USER_AGGREGATE,
          aggregateId: user.id,
          aggregateVersion: 2,
          payload: { userId: user.id, role: 'admin' },
        },
      ]);
      return { userId: user.id, alreadyAdmin: false };
    });
  }
}
