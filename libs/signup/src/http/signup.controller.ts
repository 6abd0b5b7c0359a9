import { Controller, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { API_PREFIX, Idempotent, ValidBody } from '@app/platform';
import { SignUpCommand } from '../application/commands/sign-up/sign-up.command.js';
import { SignUpRequest } from './sign-up.request.js';
import { UserResponse } from './user.response.js';

@ApiTags('signup')
@Controller('signup')
export class SignupController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @Idempotent()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an account; Location points at /api/v1/users/{id}', security: [] })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiConflictResponse({ description: 'email-taken (also the loser of a race between two signups for one email).' })
  @ApiUnprocessableEntityResponse({ description: 'validation-failed, with errors[].' })
  @ApiServiceUnavailableResponse({ description: 'busy: too many password hashes queued; see Retry-After.' })
  async signUp(
    @ValidBody() body: SignUpRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserResponse> {
    const user = await this.commands.execute(
      new SignUpCommand(body.name, body.email, body.password, body.displayName ?? null),
    );
    reply.header('location', `/${API_PREFIX}/users/${user.id}`);
    return UserResponse.of(user);
  }
}
