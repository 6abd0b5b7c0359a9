import { Global, Module } from '@nestjs/common';
import { AccessModule, UserCredentials } from '@app/access';
import { EventsModule } from '@app/events';
import { Clock, SystemClock } from '@app/shared-kernel';
import { BcryptPasswordHasher } from './adapters/bcrypt-password-hasher.js';
import { KyselyUserRepository } from './adapters/kysely-user.repository.js';
import { KyselyUsersReadModel } from './adapters/kysely-users.read-model.js';
import { UserCredentialsAdapter } from './adapters/user-credentials.adapter.js';
import { GrantAdminHandler } from './application/commands/grant-admin/grant-admin.handler.js';
import { SignUpHandler } from './application/commands/sign-up/sign-up.handler.js';
import { GetUserHandler } from './application/queries/get-user/get-user.handler.js';
import { SignupController } from './http/signup.controller.js';
import { UsersController } from './http/users.controller.js';
import { PasswordHasher } from './ports/password-hasher.js';
import { UserRepository } from './ports/user.repository.js';
import { UsersReadModel } from './ports/users.read-model.js';

/**
 * Users: signup, the users table, GET /users/me, and the credentials the access slice's login
 * checks (`UserCredentials`, bound globally). The users_read projector is in
 * SignupProjectionsModule, which the worker runs.
 */
@Global()
@Module({
  imports: [EventsModule, AccessModule],
  controllers: [SignupController, UsersController],
  providers: [
    SignUpHandler,
    GrantAdminHandler,
    GetUserHandler,
    { provide: UserRepository, useClass: KyselyUserRepository },
    { provide: PasswordHasher, useClass: BcryptPasswordHasher },
    { provide: UsersReadModel, useClass: KyselyUsersReadModel },
    { provide: UserCredentials, useClass: UserCredentialsAdapter },
    { provide: Clock, useClass: SystemClock },
  ],
  exports: [UserCredentials],
})
export class SignupModule {}
