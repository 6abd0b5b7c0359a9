import { Command } from '@nestjs/cqrs';

/** The user as signup returns it: never the hash. */
export interface SignedUpUser {
  id: string;
  name: string;
  email: string;
  displayName: string | null;
  createdAt: Date;
}

export class SignUpCommand extends Command<SignedUpUser> {
  constructor(
    readonly name: string,
    readonly email: string,
    readonly password: string,
    readonly displayName?: string | null,
  ) {
    super();
  }
}
