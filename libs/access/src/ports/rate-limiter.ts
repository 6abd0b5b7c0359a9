/** The buckets the service limits; each adapter reads their points and window from configuration. */
export type RateLimitBucket = 'login-email' | 'login-ip';

export interface RateLimitDecision {
  allowed: boolean;
  /** Seconds until the bucket admits again (0 when allowed). */
  retryAfterSeconds: number;
}

/** Counts one attempt against `key` in `bucket` (fixed window). Redis-backed, or in-process when embedded. */
export abstract class RateLimiter {
  abstract consume(bucket: RateLimitBucket, key: string): Promise<RateLimitDecision>;
}
