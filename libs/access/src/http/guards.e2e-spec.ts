import { createHmac } from 'node:crypto';
import { Controller, Get, Module } from '@nestjs/common';
import { bearer } from '../../../../test/support/auth';
import { TEST_JWT_SECRET } from '../../../../test/support/services';
import { startTestApp, type TestApp } from '../../../../test/support/test-app';
import type { AuthenticatedUser } from '../domain/authenticated-user';
import { AdminOnly, Authenticated, CurrentUser } from './guards';

@Controller('guarded')
class GuardedController {
  @Get('me')
  @Authenticated()
  me(@CurrentUser() user: AuthenticatedUser) {
    return user;
  }

  @Get('admin')
  @AdminOnly()
  admin() {
    return { ok: true };
  }
}

@Module({ controllers: [GuardedController] })
class GuardedModule {}

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
function forge(header: object, claims: object, secret = TEST_JWT_SECRET): string {
  const unsigned = `${b64(header)}.${b64(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: object = {}) => ({
  sub: 'u1',
  email: 'a@b.c',
  roles: ['user'],
  typ: 'access',
  iat: now(),
  exp: now() + 60,
  ...extra,
});

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, [GuardedModule]);
});
afterAll(() => t.close());

async function get(path: string, authorization?: string) {
  return fetch(`${t.baseUrl}/api/v1/guarded/${path}`, { headers: authorization ? { authorization } : {} });
}

async function expect401(res: Response, code: string) {
  expect(res.status).toBe(401);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(((await res.json()) as { code: string }).code).toBe(code);
  // RFC 6750 3.1: no credentials, a bare challenge; a token presented and refused, invalid_token.
  if (code === 'missing-token') expect(res.headers.get('www-authenticate')).toBe('Bearer');
  else
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="[^"\\]+"$/);
}

describe('bearer guard', () => {
  it('lets a valid token through and exposes the caller', async () => {
    const { authorization, user } = bearer(t.app);
    const res = await get('me', authorization);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: user.id, email: user.email, roles: ['user'] });
  });

  it('answers 401 problem+json for missing, malformed, wrongly signed, alg:none, expired and non-access tokens', async () => {
    await expect401(await get('me'), 'missing-token');
    await expect401(await get('me', 'Basic abc'), 'invalid-token');
    await expect401(await get('me', 'Bearer not-a-jwt'), 'invalid-token');
    await expect401(
      await get('me', `Bearer ${forge({ alg: 'HS256', typ: 'JWT' }, claims(), 'another-secret-another-secret-123')}`),
      'invalid-token',
    );
    await expect401(await get('me', `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`), 'invalid-token');
    await expect401(
      await get('me', `Bearer ${forge({ alg: 'HS256', typ: 'JWT' }, claims({ exp: now() - 10 }))}`),
      'token-expired',
    );
    await expect401(
      await get('me', `Bearer ${forge({ alg: 'HS256', typ: 'JWT' }, claims({ typ: 'refresh' }))}`),
      'invalid-token',
    );
    expect((await get('me', `Bearer ${forge({ alg: 'HS256', typ: 'JWT' }, claims())}`)).status).toBe(200);
  });

  it('answers 403 to a user on an admin route and lets an admin in', async () => {
    const user = await get('admin', bearer(t.app).authorization);
    expect(user.status).toBe(403);
    expect(((await user.json()) as { code: string }).code).toBe('admin-only');
    expect((await get('admin', bearer(t.app, { roles: ['user', 'admin'] }).authorization)).status).toBe(200);
  });
});
