import { jest } from '@jest/globals';
import { JwtService } from '@nestjs/jwt';
import { loadConfig } from '@app/platform';
import { AccessTokens } from './access-tokens';

const config = () =>
  loadConfig({
    LOG_LEVEL: 'silent',
    JWT_SECRET: 'access-tokens-spec-secret-0123456789abcdef',
    ACCESS_TOKEN_TTL_SECONDS: '60',
  });
const alice = { id: '11111111-1111-4111-8111-111111111111', email: 'alice@example.test', roles: ['user'] as const };

describe('AccessTokens', () => {
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('checks a token once, then answers from memory until the token expires', () => {
    jest.useFakeTimers({ now: new Date('2026-11-22T10:00:00Z') });
    const tokens = new AccessTokens(config());
    const { accessToken } = tokens.issue(alice);
    const verify = jest.spyOn(JwtService.prototype, 'verify');

    expect(tokens.verify(accessToken)).toEqual(alice);
    expect(tokens.verify(accessToken)).toEqual(alice);
    expect(verify).toHaveBeenCalledTimes(1);
    expect(Object.isFrozen(tokens.verify(accessToken))).toBe(true);

    jest.setSystemTime(new Date('2026-11-22T10:01:00Z')); // exp reached
    expect(() => tokens.verify(accessToken)).toThrow(expect.objectContaining({ code: 'token-expired' }));
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('never remembers a token that failed: a tampered or foreign token fails every time, even with a remembered signature', () => {
    const tokens = new AccessTokens(config());
    const { accessToken } = tokens.issue(alice);
    expect(tokens.verify(accessToken)).toEqual(alice); // remembered, by its signature
    const [head, , signature] = accessToken.split('.');
    const forged = `${head}.${Buffer.from(JSON.stringify({ sub: 'x', email: 'x', roles: ['admin'], typ: 'access', exp: 4102444800 })).toString('base64url')}.${signature}`;
    for (let i = 0; i < 2; i++)
      expect(() => tokens.verify(forged)).toThrow(expect.objectContaining({ code: 'invalid-token' }));
    expect(tokens.verify(accessToken)).toEqual(alice);
    const other = new AccessTokens(
      loadConfig({ LOG_LEVEL: 'silent', JWT_SECRET: 'another-secret-another-secret-another-secret' }),
    );
    expect(() => other.verify(accessToken)).toThrow(expect.objectContaining({ code: 'invalid-token' }));
  });

  it('refuses a string that is not header.payload.signature in base64url before any decoding', () => {
    const tokens = new AccessTokens(config());
    const { accessToken } = tokens.issue(alice);
    for (const malformed of ['not-a-jwt', `${accessToken} `, accessToken.replace('.', '+.'), 'a.b']) {
      expect(() => tokens.verify(malformed)).toThrow(
        expect.objectContaining({ code: 'invalid-token', message: 'The access token is malformed.' }),
      );
    }
  });
});
