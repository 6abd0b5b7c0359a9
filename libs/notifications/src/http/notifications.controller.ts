import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Authenticated, CurrentUser, type AuthenticatedUser } from '@app/access';
import { ConsistentRead } from '@app/events';
import { Idempotent, ValidQuery } from '@app/platform';
import { MarkNotificationReadCommand } from '../application/commands/mark-notification-read/mark-notification-read.command.js';
import { GetNotificationEmailQuery } from '../application/queries/get-notification-email/get-notification-email.query.js';
import { ListNotificationsQuery } from '../application/queries/list-notifications/list-notifications.query.js';
import { notificationNotFound } from '../domain/notification.js';
import { ListNotificationsRequest } from './notification.request.js';
import {
  NotificationEmailResponse,
  NotificationPageResponse,
  NotificationResponse,
  notificationResponse,
} from './notification.response.js';
import { uuidOrNotFound } from '@app/shared-kernel';

const notificationId = (id: string) => uuidOrNotFound(id, notificationNotFound);

@ApiTags('notifications')
@Authenticated()
@Controller('notifications')
export class NotificationsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @ConsistentRead('notifications_read')
  @ApiOperation({
    summary: "The caller's in-app notifications, newest first, a keyset page at a time: {items, nextCursor}",
  })
  @ApiOkResponse({ type: NotificationPageResponse })
  @ApiUnprocessableEntityResponse({ description: 'validation-failed (errors[]), or invalid-cursor.' })
  async list(@CurrentUser() user: AuthenticatedUser, @ValidQuery() query: ListNotificationsRequest) {
    const unread = query.unread === undefined ? undefined : query.unread === 'true';
    return this.queries.execute(new ListNotificationsQuery(user.id, unread, query.limit ?? 20, query.cursor));
  }

  @Post(':id/read')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: "Mark one of the caller's notifications read (again: the same answer, nothing changes)" })
  @ApiOkResponse({ type: NotificationResponse })
  @ApiNotFoundResponse({ description: 'notification-not-found: no such notification, or not yours.' })
  async read(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string) {
    return notificationResponse(
      await this.commands.execute(new MarkNotificationReadCommand(user.id, notificationId(id))),
    );
  }

  @Get(':id/email')
  @ApiOperation({
    summary:
      "The email made of one of the caller's notifications: sent, pending, failed, or stored only (no SMTP server)",
  })
  @ApiOkResponse({ type: NotificationEmailResponse })
  @ApiNotFoundResponse({
    description:
      'notification-not-found (not a notification id), or email-not-found: no email for it (email off, no address, not made yet), or not yours.',
  })
  email(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string) {
    return this.queries.execute(new GetNotificationEmailQuery(user.id, notificationId(id)));
  }
}
