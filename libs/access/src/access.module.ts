import { Global, Module } from '@nestjs/common';
import { AccessTokens } from './adapters/access-tokens.js';
import { AdminGuard, BearerAuthGuard } from './http/guards.js';

/** Bearer tokens and the guards every slice's controllers use. */
@Global()
@Module({
  providers: [AccessTokens, BearerAuthGuard, AdminGuard],
  exports: [AccessTokens, BearerAuthGuard, AdminGuard],
})
export class AccessModule {}
