import { Query } from '@nestjs/cqrs';
import type { UsersReadRow } from '../../../ports/users.read-model.js';

/** A user's read model (users_read), or null when it is not (yet) projected. */
export class GetUserQuery extends Query<UsersReadRow | null> {
  constructor(readonly userId: string) {
    super();
  }
}
