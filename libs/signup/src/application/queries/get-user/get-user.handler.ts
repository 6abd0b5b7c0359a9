import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { UsersReadModel, type UsersReadRow } from '../../../ports/users.read-model.js';
import { GetUserQuery } from './get-user.query.js';

@QueryHandler(GetUserQuery)
export class GetUserHandler implements IQueryHandler<GetUserQuery> {
  constructor(private readonly users: UsersReadModel) {}

  execute(query: GetUserQuery): Promise<UsersReadRow | null> {
    return this.users.byId(query.userId);
  }
}
