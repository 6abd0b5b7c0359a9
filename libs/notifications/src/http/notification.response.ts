import { ApiProperty } from '@nestjs/swagger';
import type { NotificationState } from '../domain/notification.js';
import { NOTIFICATION_TYPES } from '../domain/notification.events.js';

/** A notification as the caller sees it (the list's items and the read command's answer). */
export function notificationResponse(n: NotificationState) {
  return {
    id: n.id,
    type: n.type,
    title: n.title,
    body: n.body,
    data: n.data,
    createdAt: n.createdAt.toISOString(),
    readAt: n.readAt ? n.readAt.toISOString() : null,
  };
}

export class NotificationResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: NOTIFICATION_TYPES }) type!: string;
  @ApiProperty() title!: string;
  @ApiProperty() body!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', nullable: true },
    description: 'What it is about: taskId and dueDate for a reminder; webhookId and url for a disabled webhook.',
  })
  data!: Record<string, string | number | null>;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) readAt!: string | null;
}

export class NotificationPageResponse {
  @ApiProperty({ type: [NotificationResponse] }) items!: NotificationResponse[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass back as `cursor` for the next page; null on the last one.',
  })
  nextCursor!: string | null;
}

export class NotificationSettingsResponse {
  @ApiProperty() email!: boolean;
  @ApiProperty({ minimum: 0, maximum: 10_080 }) reminderLeadMinutes!: number;
}

export class NotificationEmailResponse {
  @ApiProperty({ format: 'email' }) to!: string;
  @ApiProperty() subject!: string;
  @ApiProperty({ description: 'The plain-text part.' }) text!: string;
  @ApiProperty({ description: 'The HTML part (the same text, escaped).' }) html!: string;
  @ApiProperty({ description: 'The same on every attempt: receivers drop duplicates by it.' }) messageId!: string;
  @ApiProperty({
    enum: ['pending', 'sent', 'stored', 'failed'],
    description: 'stored: no SMTP server is configured (SMTP_URL unset); failed: EMAIL_MAX_ATTEMPTS attempts failed.',
  })
  status!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) sentAt!: string | null;
}
