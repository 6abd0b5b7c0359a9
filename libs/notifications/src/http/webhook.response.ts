import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { WebhookEndpoint } from '../domain/webhook.js';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhook.js';

/** A webhook as a write answers it (without its secret; creation adds the secret once). */
export function webhookResponse(e: WebhookEndpoint) {
  return {
    id: e.id,
    url: e.url,
    eventTypes: e.eventTypes,
    status: e.status,
    createdAt: e.createdAt.toISOString(),
    disabledAt: e.disabledAt ? e.disabledAt.toISOString() : null,
  };
}

export class WebhookDeliveryCountsResponse {
  @ApiProperty() pending!: number;
  @ApiProperty() delivered!: number;
  @ApiProperty({
    description:
      'Dead letters: deliveries that exhausted their attempts, or were pending when the webhook was disabled.',
  })
  dead!: number;
}

export class WebhookResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ type: [String], enum: WEBHOOK_EVENT_TYPES }) eventTypes!: string[];
  @ApiProperty({
    enum: ['active', 'disabled'],
    description: 'disabled: a delivery failed WEBHOOK_MAX_ATTEMPTS times; nothing more is sent to it.',
  })
  status!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) disabledAt!: string | null;
}

export class CreatedWebhookResponse extends WebhookResponse {
  @ApiPropertyOptional({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4q1Ng9q3S0E=',
    description:
      'The signing secret, shown in this answer only. Absent when a retry with the same Idempotency-Key answers (the secret is never kept for replays): delete the webhook and create another if it was lost.',
  })
  secret?: string;
}

export class ListedWebhookResponse extends WebhookResponse {
  @ApiProperty({ type: WebhookDeliveryCountsResponse }) deliveries!: WebhookDeliveryCountsResponse;
}

export class WebhookListResponse {
  @ApiProperty({ type: [ListedWebhookResponse] }) items!: ListedWebhookResponse[];
}

export class WebhookDeliveryResponse {
  @ApiProperty({ format: 'uuid', description: 'Sent as webhook-id on every attempt.' }) id!: string;
  @ApiProperty({ format: 'uuid', description: 'The event (the CloudEvent id).' }) eventId!: string;
  @ApiProperty() eventType!: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'dead'] }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) nextAttemptAt!: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'HTTP status of the last attempt, if it got one.' })
  lastStatus!: number | null;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) deliveredAt!: string | null;
}

export class WebhookDeliveryPageResponse {
  @ApiProperty({ type: [WebhookDeliveryResponse] }) items!: WebhookDeliveryResponse[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass back as `cursor` for the next page; null on the last one.',
  })
  nextCursor!: string | null;
}
