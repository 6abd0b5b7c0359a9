import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { IdempotencyExempt, ValidBody } from '@app/platform';
import { LogInCommand } from '../application/commands/log-in/log-in.command.js';
import { LogOutCommand } from '../application/commands/log-out/log-out.command.js';
import { RefreshSessionCommand } from '../application/commands/refresh-session/refresh-session.command.js';
import { LogInRequest, RefreshTokenRequest, TokenPairResponse } from './auth.request.js';

/** Exempt from Idempotency-Key: a replay would keep fresh tokens in the idempotency store for 24 h (docs/decisions/0022). */
@ApiTags('auth')
@IdempotencyExempt()
@Controller('auth')
export class AuthController {
  constructor(private readonly commands: CommandBus) {}

  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange email and password for an access token and a refresh token', security: [] })
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiUnauthorizedResponse({ description: 'Wrong email or password (one answer for both): invalid-credentials.' })
  @ApiTooManyRequestsResponse({
    description: 'Too many attempts for this email or from this address; see Retry-After.',
  })
  logIn(@ValidBody() body: LogInRequest, @Req() request: FastifyRequest): Promise<TokenPairResponse> {
    return this.commands.execute(new LogInCommand(body.email, body.password, request.ip));
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate a refresh token; presenting an already rotated one revokes its whole family',
    security: [],
  })
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiUnauthorizedResponse({
    description: 'invalid-refresh-token, refresh-token-expired, refresh-token-revoked or refresh-token-reused.',
  })
  refresh(@ValidBody() body: RefreshTokenRequest): Promise<TokenPairResponse> {
    return this.commands.execute(new RefreshSessionCommand(body.refreshToken));
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({
    summary: "Revoke the refresh token's family (this session); access tokens expire on their own",
    security: [],
  })
  @ApiNoContentResponse()
  @ApiUnauthorizedResponse({ description: 'invalid-refresh-token' })
  async logOut(@ValidBody() body: RefreshTokenRequest): Promise<void> {
    await this.commands.execute(new LogOutCommand(body.refreshToken));
  }
}
