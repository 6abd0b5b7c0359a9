import { Global, Module } from '@nestjs/common';
import { AccessTokens } from './adapters/access-tokens.js';
import { ReadinessDetailsForAdmins } from './adapters/readiness-details-for-admins.js';
import { AdminGuard, BearerAuthGuard } from './http/guards.js';

/** Bearer tokens and the guards every slice's controllers use. */
@Global()
@Module({
  providers: [AccessTokens, BearerAuthGuard, AdminGuard, ReadinessDetailsForAdmins],
  exports: [AccessTokens, BearerAuthGuard, AdminGuard],
})
export class AccessModule {}
