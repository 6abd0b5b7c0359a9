/**
 * Password hashing off the event loop, with bounded concurrency and a bounded queue: beyond the
 * queue both methods fail with DomainError `unavailable` (503, Retry-After) instead of waiting.
 */
export abstract class PasswordHasher {
  abstract hash(password: string): Promise<string>;
  abstract verify(password: string, hash: string): Promise<boolean>;
  /** Spends one verification's time without a stored hash (unknown emails take as long as wrong passwords). */
  abstract verifyNothing(password: string): Promise<false>;
}
