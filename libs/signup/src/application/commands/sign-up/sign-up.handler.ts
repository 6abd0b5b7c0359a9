import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EventStore } from '@app/events/ports';
import { Clock, DomainError, UnitOfWork } from '@app/shared-kernel';
import { normaliseEmail, signUp, signupErrors } from '../../../domain/user.js';
import { PasswordHasher } from '../../../ports/password-hasher.js';
import { UserRepository } from '../../../ports/user.repository.js';
import { SignUpCommand, type SignedUpUser } from './sign-up.command.js';

const taken = () => new DomainError('conflict', 'email-taken', 'An account with this email already exists.');

/**
 * Validates, hashes (off the event loop, bounded), then writes the user and `user.signed_up`
 * in one unit of work. A cheap look-up spares bcrypt for taken emails; the unique index still
 * decides races (the repository maps its violation to the same conflict).
 */
@CommandHandler(SignUpCommand)
export class SignUpHandler implements ICommandHandler<SignUpCommand> {
  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly events: EventStore,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  async execute(command: SignUpCommand): Promise<SignedUpUser> {
    const errors = signupErrors(command);
    if (errors.length) throw new DomainError('invalid', 'validation-failed', 'The request has invalid fields.', { errors });
    if (await this.users.emailTaken(normaliseEmail(command.email))) throw taken();
    const passwordHash = await this.hasher.hash(command.password);
    const { user, event } = signUp(command, { id: this.users.nextId(), now: this.clock.now(), passwordHash });
    await this.uow.run(async () => {
      await this.users.add(user);
      await this.events.append([event]);
    });
    return { id: user.id, name: user.name, email: user.email, displayName: user.displayName, createdAt: user.createdAt };
  }
}
