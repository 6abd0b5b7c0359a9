import { Command } from '@nestjs/cqrs';
import type { TokenPair } from '../log-in/log-in.command.js';

/** Exchanges a refresh token for a new access token and a new refresh token (rotation). */
export class RefreshSessionCommand extends Command<TokenPair> {
  constructor(readonly refreshToken: string) {
    super();
  }
}
