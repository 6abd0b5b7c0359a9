import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EventStore } from '@app/events/ports';
import { Clock, DomainError, UnitOfWork } from '@app/shared-kernel';
import { normaliseEmail, signUp, signupErrors } from '../../../domain/user.js';
import { PasswordHasher } from '../../../ports/password-hasher.js';
import { UserRepository } from '../../../ports/user.repository.js';
import { SignUpCommand, type SignedUpUser } from './sign-up.command.js';

const taken = () => new DomainError('conflict', 'email-taken', 'An account with this email already exists.');

/**
 * Validates, hashes (off the event loop, bounded, outside the transaction: it needs none), then
 * writes the user and `user.signed_up` in one unit of work, whose result it returns. A cheap
 * look-up before hashing spares bcrypt for taken emails; the unique index inside the unit of
 * work decides races (the repository maps its violation to the same conflict).
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
    if (errors.length)
      throw new DomainError('invalid', 'validation-failed', 'The request has invalid fields.', { errors });
    const email = normaliseEmail(command.email);
    if (await this.users.emailTaken(email)) throw taken();
    const passwordHash = await this.hasher.hash(command.password);
    return this.uow.run(async () => {
      const { user, event } = signUp(command, { id: this.users.nextId(), now: this.clock.now(), passwordHash });
      await this.users.add(user);
      await this.events.append([event]);
      return {
        id: user.id,
        name: user.name,
        email: user.email,
        displayName: user.displayName,
        createdAt: user.createdAt,
      };
    });
  }
}
