import { Injectable } from '@nestjs/common';
import { UserCredentials, type AuthenticatedUser } from '@app/access';
import { AppConfig } from '@app/platform';
import { normaliseEmail, rolesOf, type User } from '../domain/user.js';
import { PasswordHasher } from '../ports/password-hasher.js';
import { UserRepository } from '../ports/user.repository.js';

/**
 * The access slice's view of our users. An unknown email still costs one bcrypt comparison
 * (against a dummy hash), so it answers in about the time a wrong password does.
 */
@Injectable()
export class UserCredentialsAdapter extends UserCredentials {
  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async verify(email: string, password: string): Promise<AuthenticatedUser | null> {
    const user = await this.users.byEmail(normaliseEmail(email));
    if (!user) {
      await this.hasher.verifyNothing(password);
      return null;
    }
    return (await this.hasher.verify(password, user.passwordHash)) ? this.principal(user) : null;
  }

  async byId(userId: string): Promise<AuthenticatedUser | null> {
    const user = await this.users.byId(userId);
    return user ? this.principal(user) : null;
  }

  private principal(user: User): AuthenticatedUser {
    return { id: user.id, email: user.email, roles: rolesOf(user, this.config.auth.adminEmails) };
  }
}
