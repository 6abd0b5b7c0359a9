import { Command } from '@nestjs/cqrs';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

export class LogInCommand extends Command<TokenPair> {
  constructor(
    readonly email: string,
    readonly password: string,
    /** The caller's address, for the per-IP limit. */
    readonly ip: string,
  ) {
    super();
  }
}
