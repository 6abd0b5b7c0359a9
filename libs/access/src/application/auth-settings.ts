/** The settings the access use cases need, bound from configuration by the module. */
export abstract class AuthSettings {
  abstract readonly refreshTokenTtlSeconds: number;
  /** After a rotation, how long the rotated token still yields a pair in its family. */
  abstract readonly refreshTokenReuseIntervalSeconds: number;
}
