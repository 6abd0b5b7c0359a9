import { Module } from '@nestjs/common';
import { Clock, SystemClock } from '@app/shared-kernel';
import { AppConfig, REDIS, type RedisConnection } from '@app/platform';
import { AccessTokens } from './adapters/access-tokens.js';
import { KyselyRefreshTokenStore } from './adapters/kysely-refresh-token.store.js';
import { loginRules, MemoryRateLimiter, RedisRateLimiter } from './adapters/rate-limiters.js';
import { AuthSettings } from './application/auth-settings.js';
import { LogInHandler } from './application/commands/log-in/log-in.handler.js';
import { LogOutHandler } from './application/commands/log-out/log-out.handler.js';
import { RefreshSessionHandler } from './application/commands/refresh-session/refresh-session.handler.js';
import { AuthController } from './http/auth.controller.js';
import { AccessTokenIssuer } from './ports/access-token-issuer.js';
import { RateLimiter } from './ports/rate-limiter.js';
import { RefreshTokenStore } from './ports/refresh-token.store.js';

/**
 * Login, refresh rotation and logout. Needs a `UserCredentials` provider from the slice that
 * owns users (SignupModule binds it globally); AccessModule (tokens, guards) is separate so
 * other slices can use the guards without this.
 */
@Module({
  controllers: [AuthController],
  providers: [
    LogInHandler,
    RefreshSessionHandler,
    LogOutHandler,
    { provide: AccessTokenIssuer, useExisting: AccessTokens },
    { provide: RefreshTokenStore, useClass: KyselyRefreshTokenStore },
    { provide: Clock, useClass: SystemClock },
    {
      provide: AuthSettings,
      inject: [AppConfig],
      useFactory: (config: AppConfig): AuthSettings => ({
        refreshTokenTtlSeconds: config.auth.refreshTokenTtlSeconds,
        refreshTokenReuseIntervalSeconds: config.auth.refreshTokenReuseIntervalSeconds,
      }),
    },
    {
      provide: RateLimiter,
      inject: [AppConfig, REDIS],
      useFactory: (config: AppConfig, redis: RedisConnection): RateLimiter =>
        redis
          ? new RedisRateLimiter(redis, loginRules(config.auth), config.auth.loginRateLimit.keyPrefix)
          : new MemoryRateLimiter(loginRules(config.auth)),
    },
  ],
})
export class AuthModule {}
