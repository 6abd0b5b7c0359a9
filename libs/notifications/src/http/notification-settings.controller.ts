import { Controller, Get, Patch } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Authenticated, CurrentUser, type AuthenticatedUser } from '@app/access';
import { Idempotent, ValidBody } from '@app/platform';
import { ChangeNotificationSettingsCommand } from '../application/commands/change-notification-settings/change-notification-settings.command.js';
import { GetNotificationSettingsQuery } from '../application/queries/get-notification-settings/get-notification-settings.query.js';
import { ChangeNotificationSettingsRequest } from './notification.request.js';
import { NotificationSettingsResponse } from './notification.response.js';

@ApiTags('notifications')
@Authenticated()
@Controller('users/me/notification-settings')
export class NotificationSettingsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @ApiOperation({
    summary: "The caller's notification settings (the defaults until changed: email on, 60 minutes lead)",
  })
  @ApiOkResponse({ type: NotificationSettingsResponse })
  get(@CurrentUser() user: AuthenticatedUser): Promise<NotificationSettingsResponse> {
    return this.queries.execute(new GetNotificationSettingsQuery(user.id));
  }

  @Patch()
  @Idempotent()
  @ApiOperation({ summary: "Change the caller's notification settings; a new lead moves their pending reminders" })
  @ApiOkResponse({ type: NotificationSettingsResponse })
  @ApiUnprocessableEntityResponse({
    description: 'validation-failed (errors[]): reminderLeadMinutes outside 0..10080, email not a boolean.',
  })
  async change(
    @CurrentUser() user: AuthenticatedUser,
    @ValidBody() body: ChangeNotificationSettingsRequest,
  ): Promise<NotificationSettingsResponse> {
    const s = await this.commands.execute(
      new ChangeNotificationSettingsCommand(user.id, {
        email: body.email,
        reminderLeadMinutes: body.reminderLeadMinutes,
      }),
    );
    return { email: s.email, reminderLeadMinutes: s.reminderLeadMinutes };
  }
}
