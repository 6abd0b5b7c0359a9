import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser, type AuthenticatedUser } from '@app/access';
import { ConsistentRead } from '@app/events';
import { DomainError } from '@app/shared-kernel';
import { GetUserQuery } from '../application/queries/get-user/get-user.query.js';
import { UserProfileResponse } from './user.response.js';

const notFound = () => new DomainError('not_found', 'user-not-found', 'No such user.');

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly queries: QueryBus) {}

  @Get('me')
  @Authenticated()
  @ConsistentRead('users_read')
  @ApiOperation({ summary: 'The caller, with task counts by status (from users_read); honours X-Consistency-Token' })
  @ApiOkResponse({ type: UserProfileResponse })
  @ApiNotFoundResponse({ description: 'The account is not (yet) in users_read.' })
  me(@CurrentUser() user: AuthenticatedUser): Promise<UserProfileResponse> {
    return this.profile(user.id);
  }

  @Get(':id')
  @Authenticated()
  @ConsistentRead('users_read')
  @ApiOperation({ summary: "A user's profile: the caller's own (admins: anyone's); others are 404" })
  @ApiOkResponse({ type: UserProfileResponse })
  @ApiNotFoundResponse({ description: 'No such user, or not the caller (and the caller is no admin).' })
  byId(
    @Param('id', new ParseUUIDPipe({ exceptionFactory: notFound })) id: string,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<UserProfileResponse> {
    if (id !== user.id && !user.roles.includes('admin')) throw notFound();
    return this.profile(id);
  }

  private async profile(id: string): Promise<UserProfileResponse> {
    const row = await this.queries.execute(new GetUserQuery(id));
    if (!row) throw notFound();
    return UserProfileResponse.ofRow(row);
  }
}
