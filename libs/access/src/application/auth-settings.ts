/** The settings the access use cases need, bound from configuration by the module. */
export abstract class AuthSettings {
  abstract readonly refreshTokenTtlSeconds: number;
}
