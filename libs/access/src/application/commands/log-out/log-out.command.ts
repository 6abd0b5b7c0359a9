import { Command } from '@nestjs/cqrs';

/** Revokes the family of the presented refresh token (this device's session). */
export class LogOutCommand extends Command<void> {
  constructor(readonly refreshToken: string) {
    super();
  }
}
