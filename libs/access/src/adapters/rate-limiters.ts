import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AuthConfig } from '@app/platform';
import { RateLimiter, type RateLimitBucket, type RateLimitDecision } from '../ports/rate-limiter.js';

type Rules = Record<RateLimitBucket, { points: number; windowSeconds: number }>;

export function loginRules(config: AuthConfig): Rules {
  const { perEmail, perIp, windowSeconds } = config.loginRateLimit;
  return { 'login-email': { points: perEmail, windowSeconds }, 'login-ip': { points: perIp, windowSeconds } };
}

/** Keys are hashed: the store never holds an email or an address in clear. */
const keyOf = (key: string) => createHash('sha256').update(key).digest('base64url').slice(0, 32);

abstract class FlexibleRateLimiter extends RateLimiter {
  protected readonly limiters = new Map<RateLimitBucket, RateLimiterAbstract>();

  async consume(bucket: RateLimitBucket, key: string): Promise<RateLimitDecision> {
    const limiter = this.limiters.get(bucket);
    if (!limiter) throw new Error(`no rate limit configured for ${bucket}`);
    try {
      await limiter.consume(keyOf(key));
      return { allowed: true, retryAfterSeconds: 0 };
    } catch (res) {
      if (res instanceof RateLimiterRes)
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
      throw res;
    }
  }
}

/** In-process fixed windows: single-instance mode (no REDIS_URL). */
export class MemoryRateLimiter extends FlexibleRateLimiter {
  constructor(rules: Rules) {
    super();
    for (const [bucket, rule] of Object.entries(rules) as [RateLimitBucket, Rules[RateLimitBucket]][]) {
      this.limiters.set(bucket, new RateLimiterMemory({ points: rule.points, duration: rule.windowSeconds }));
    }
  }
}

/**
 * Shared fixed windows in Redis (one Lua INCR+EXPIRE per attempt), so every replica counts the
 * same attempts. When Redis is down or slow, an in-process limiter with the same rules stands in
 * (rate-limiter-flexible's insurance limiter): limits then hold per replica instead of failing
 * open or turning logins into 503s.
 */
export class RedisRateLimiter extends FlexibleRateLimiter {
  constructor(redis: Redis, rules: Rules, keyPrefix: string) {
    super();
    const logger = new Logger('RateLimiter');
    let warned = false;
    for (const [bucket, rule] of Object.entries(rules) as [RateLimitBucket, Rules[RateLimitBucket]][]) {
      const insurance = new RateLimiterMemory({ points: rule.points, duration: rule.windowSeconds });
      const consume = insurance.consume.bind(insurance);
      insurance.consume = (key, points, options) => {
        if (!warned) logger.warn('Redis unavailable: login rate limits fall back to this process');
        warned = true;
        return consume(key, points, options);
      };
      this.limiters.set(
        bucket,
        new RateLimiterRedis({
          storeClient: redis,
          keyPrefix: `${keyPrefix}:${bucket}`,
          points: rule.points,
          duration: rule.windowSeconds,
          rejectIfRedisNotReady: true,
          insuranceLimiter: insurance,
        }),
      );
    }
  }
}
