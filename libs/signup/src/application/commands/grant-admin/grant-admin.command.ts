import { Command } from '@nestjs/cqrs';

/** Makes the user with this email an administrator (the `users:grant-admin` CLI). */
export class GrantAdminCommand extends Command<{ userId: string; alreadyAdmin: boolean }> {
  constructor(readonly email: string) {
    super();
  }
}
