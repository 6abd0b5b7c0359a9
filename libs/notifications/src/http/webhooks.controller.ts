import { Controller, Delete, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated, CurrentUser, type AuthenticatedUser } from '@app/access';
import { Idempotent, IdempotentResponseNotKept, ValidBody, ValidQuery } from '@app/platform';
import { CreateWebhookCommand } from '../application/commands/create-webhook/create-webhook.command.js';
import { DeleteWebhookCommand } from '../application/commands/delete-webhook/delete-webhook.command.js';
import { ListWebhookDeliveriesQuery } from '../application/queries/list-webhook-deliveries/list-webhook-deliveries.query.js';
import { ListWebhooksQuery } from '../application/queries/list-webhooks/list-webhooks.query.js';
import { webhookNotFound } from '../domain/webhook.js';
import { WebhookSecrets } from '../ports/webhook-secrets.js';
import { CreateWebhookRequest, ListWebhookDeliveriesRequest } from './webhook.request.js';
import {
  CreatedWebhookResponse,
  WebhookDeliveryPageResponse,
  WebhookListResponse,
  webhookResponse,
} from './webhook.response.js';
import { uuidOrNotFound } from '@app/shared-kernel';

const webhookId = (id: string) => uuidOrNotFound(id, webhookNotFound);

@ApiTags('webhooks')
@Authenticated()
@Controller('webhooks')
export class WebhooksController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly secrets: WebhookSecrets,
  ) {}

  @Post()
  @Idempotent()
  @IdempotentResponseNotKept()
  @ApiOperation({ summary: 'Register a webhook (at most 5): its signing secret is in this answer only' })
  @ApiCreatedResponse({
    type: CreatedWebhookResponse,
    description:
      'The webhook and its secret; Location points at it. A keyed retry answers the same webhook without the secret.',
  })
  @ApiUnprocessableEntityResponse({
    description: 'validation-failed (errors[]: url, eventTypes), or webhook-limit-reached (5 already).',
  })
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @ValidBody() body: CreateWebhookRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const id = this.secrets.newId();
    const secret = this.secrets.newSecret();
    const endpoint = await this.commands.execute(
      new CreateWebhookCommand(user.id, id, secret, body.url, body.eventTypes),
    );
    reply.status(201).header('location', `/api/v1/webhooks/${endpoint.id}`);
    // Made by this request: the secret. A keyed retry gets the committed webhook, another id than the one made here: no secret.
    return endpoint.id === id ? { ...webhookResponse(endpoint), secret } : webhookResponse(endpoint);
  }

  @Get()
  @ApiOperation({ summary: "The caller's webhooks, without their secrets, with their deliveries counted by status" })
  @ApiOkResponse({ type: WebhookListResponse })
  list(@CurrentUser() user: AuthenticatedUser) {
    return this.queries.execute(new ListWebhooksQuery(user.id));
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "A webhook's deliveries, newest first; status=dead lists its dead letters" })
  @ApiOkResponse({ type: WebhookDeliveryPageResponse })
  @ApiNotFoundResponse({ description: 'webhook-not-found: no such webhook, or not yours.' })
  @ApiUnprocessableEntityResponse({ description: 'validation-failed (errors[]), or invalid-cursor.' })
  deliveries(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @ValidQuery() query: ListWebhookDeliveriesRequest,
  ) {
    return this.queries.execute(
      new ListWebhookDeliveriesQuery(user.id, webhookId(id), query.status, query.limit ?? 20, query.cursor),
    );
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: "Delete one of the caller's webhooks with its deliveries (pending ones are not sent)" })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'webhook-not-found: no such webhook, or not yours.' })
  async remove(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<void> {
    await this.commands.execute(new DeleteWebhookCommand(user.id, webhookId(id)));
  }
}
