import { randomBytes } from 'node:crypto';
import { Controller, Get, Module } from '@nestjs/common';
import pg from 'pg';
import { startTestApp, type TestApp } from '../../../../test/support/test-app';
import { json, logIn, signUp } from '../../../../test/support/users';
import { AdminOnly } from './guards';

@Controller('admin-probe')
class AdminProbeController {
  @Get()
  @AdminOnly()
  probe() {
    return { ok: true };
  }
}
@Module({ controllers: [AdminProbeController] })
class AdminProbeModule {}

const ADMIN = `boss-${randomBytes(4).toString('hex')}@example.test`;
const ENV = {
  BCRYPT_COST: '4',
  RATE_LIMIT_KEY_PREFIX: `tb:test:${process.pid}:${randomBytes(4).toString('hex')}`,
  LOGIN_RATE_LIMIT_PER_EMAIL: '3',
  LOGIN_RATE_LIMIT_PER_IP: '5',
  LOGIN_RATE_LIMIT_WINDOW_SECONDS: '60',
  ADMIN_EMAILS: ` other@example.test , ${ADMIN.toUpperCase()} `,
};

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp(ENV, [AdminProbeModule]);
});
afterAll(() => t?.close());

let ipCounter = 0;
const freshIp = () => `192.0.2.${++ipCounter}`;
const post = (path: string, body: unknown, ip = freshIp()) =>
  fetch(`${t.baseUrl}/api/v1/auth/${path}`, json(body, { 'x-forwarded-for': ip }));
const problem = async (res: Response) => {
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await res.json()) as { code: string; status: number; detail: string };
};
/** Moves the user's rotations 10 s back: older than REFRESH_TOKEN_REUSE_INTERVAL_SECONDS (10 s by default). */
const ageRotations = (userId: string) =>
  t.app
    .get(pg.Pool)
    .query(
      `UPDATE refresh_tokens SET rotated_at = rotated_at - interval '10 seconds' WHERE user_id = $1 AND rotated_at IS NOT NULL`,
      [userId],
    );
const claims = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { sub: string; roles: string[]; exp: number };

describe('POST /api/v1/auth/login', () => {
  it('200: an access token the guards accept and an opaque refresh token stored only as a hash', async () => {
    const user = await signUp(t.baseUrl);
    const tokens = await logIn(t.baseUrl, `  ${user.email.toUpperCase()} `, user.password);
    expect(tokens).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      tokenType: 'Bearer',
      expiresIn: 900,
    });
    expect(claims(tokens.accessToken)).toMatchObject({ sub: user.id, roles: ['user'] });
    const stored = await t.app
      .get(pg.Pool)
      .query(`SELECT token_hash FROM refresh_tokens WHERE user_id = $1`, [user.id]);
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0].token_hash).not.toContain(tokens.refreshToken);
    expect(stored.rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores Idempotency-Key: tokens are never kept for replay', async () => {
    const user = await signUp(t.baseUrl);
    const ip = freshIp();
    const send = () =>
      fetch(
        `${t.baseUrl}/api/v1/auth/login`,
        json({ email: user.email, password: user.password }, { 'x-forwarded-for': ip, 'idempotency-key': 'login-1' }),
      );
    const [a, b] = [await send(), await send()];
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(((await a.json()) as { refreshToken: string }).refreshToken).not.toBe(
      ((await b.json()) as { refreshToken: string }).refreshToken,
    );
  });

  it('401: a wrong password and an unknown email answer identically', async () => {
    const user = await signUp(t.baseUrl);
    const wrong = await post('login', { email: user.email, password: 'not the password' });
    const unknown = await post('login', {
      email: `nobody-${randomBytes(4).toString('hex')}@example.test`,
      password: 'not the password',
    });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    const [a, b] = [await problem(wrong), await problem(unknown)];
    expect(a.code).toBe('invalid-credentials');
    expect({ ...a, instance: undefined, requestId: undefined }).toEqual({
      ...b,
      instance: undefined,
      requestId: undefined,
    });
  });

  it('422 for missing fields, 400 for malformed JSON', async () => {
    const res = await post('login', { email: 'a@b.co' });
    expect(res.status).toBe(422);
    expect((await problem(res)).code).toBe('validation-failed');
    expect((await post('login', '{"email":')).status).toBe(400);
  });

  it('429 with Retry-After: per email, whatever the address', async () => {
    const user = await signUp(t.baseUrl);
    for (let i = 0; i < 3; i++)
      expect((await post('login', { email: user.email, password: 'wrong password' })).status).toBe(401);
    const limited = await post('login', { email: user.email.toUpperCase(), password: user.password });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect((await problem(limited)).code).toBe('too-many-login-attempts');
  });

  it('429 with Retry-After from the in-process limiter when there is no Redis (single-instance mode)', async () => {
    const local = await startTestApp({ ...ENV, REDIS_URL: '' });
    try {
      expect(local.config.redis.url).toBeUndefined();
      const user = await signUp(local.baseUrl);
      const attempt = () =>
        fetch(`${local.baseUrl}/api/v1/auth/login`, json({ email: user.email, password: 'wrong password' }));
      for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401);
      const limited = await attempt();
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await local.close();
    }
  });

  it('429 with Retry-After: per address, whatever the email', async () => {
    const ip = freshIp();
    for (let i = 0; i < 5; i++)
      expect(
        (
          await post(
            'login',
            { email: `x${i}-${randomBytes(3).toString('hex')}@example.test`, password: 'whatever1' },
            ip,
          )
        ).status,
      ).toBe(401);
    const limited = await post(
      'login',
      { email: `y-${randomBytes(3).toString('hex')}@example.test`, password: 'whatever1' },
      ip,
    );
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(
      (await post('login', { email: `z-${randomBytes(3).toString('hex')}@example.test`, password: 'whatever1' }))
        .status,
    ).toBe(401);
  });
});

describe('client address for the per-IP limit (TRUST_PROXY)', () => {
  /** Six failed logins for fresh emails, each claiming another address; the limit per IP is 5. */
  async function spoofedAttempts(baseUrl: string): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const body = { email: `s${i}-${randomBytes(3).toString('hex')}@example.test`, password: 'whatever1' };
      const res = await fetch(`${baseUrl}/api/v1/auth/login`, json(body, { 'x-forwarded-for': freshIp() }));
      statuses.push(res.status);
      if (res.status === 401) expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
    return statuses;
  }

  it.each([
    ['off by default: X-Forwarded-For is not believed', ''],
    ['a proxy list that does not hold the peer', '10.0.0.0/8, 192.168.1.7'],
  ])("%s, so spoofed addresses share the peer's limit", async (_name, trustProxy) => {
    const app = await startTestApp({
      ...ENV,
      RATE_LIMIT_KEY_PREFIX: `tb:test:${randomBytes(6).toString('hex')}`,
      TRUST_PROXY: trustProxy,
    });
    try {
      expect(await spoofedAttempts(app.baseUrl)).toEqual([401, 401, 401, 401, 401, 429]);
    } finally {
      await app.close();
    }
  });

  it('a hop count believes the address the nearest proxy reports', async () => {
    const app = await startTestApp({
      ...ENV,
      RATE_LIMIT_KEY_PREFIX: `tb:test:${randomBytes(6).toString('hex')}`,
      TRUST_PROXY: '1',
    });
    try {
      expect(await spoofedAttempts(app.baseUrl)).toEqual([401, 401, 401, 401, 401, 401]);
    } finally {
      await app.close();
    }
  });
});

describe('POST /api/v1/auth/refresh', () => {
  it('200: rotates; the old token presented again after the reuse interval revokes the whole family (401)', async () => {
    const user = await signUp(t.baseUrl);
    const first = await logIn(t.baseUrl, user.email, user.password);
    const res = await post('refresh', { refreshToken: first.refreshToken });
    expect(res.status).toBe(200);
    const second = (await res.json()) as typeof first;
    expect(second).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(claims(second.accessToken).sub).toBe(user.id);

    await ageRotations(user.id);
    const reuse = await post('refresh', { refreshToken: first.refreshToken });
    expect(reuse.status).toBe(401);
    expect((await problem(reuse)).code).toBe('refresh-token-reused');
    const successor = await post('refresh', { refreshToken: second.refreshToken });
    expect(successor.status).toBe(401);
    expect((await problem(successor)).code).toBe('refresh-token-revoked');

    // Another login (another family) is unaffected.
    const other = await logIn(t.baseUrl, user.email, user.password);
    expect((await post('refresh', { refreshToken: other.refreshToken })).status).toBe(200);
  });

  it('within the reuse interval, the rotated token presented again (a retry of a lost response) yields a valid pair in the same family', async () => {
    const user = await signUp(t.baseUrl);
    const first = await logIn(t.baseUrl, user.email, user.password);
    const rotated = (await (await post('refresh', { refreshToken: first.refreshToken })).json()) as typeof first;
    const retried = await post('refresh', { refreshToken: first.refreshToken });
    expect(retried.status).toBe(200);
    const again = (await retried.json()) as typeof first;
    expect(again.refreshToken).not.toBe(rotated.refreshToken);
    expect(claims(again.accessToken).sub).toBe(user.id);
    const families = await t.app
      .get(pg.Pool)
      .query(
        `SELECT count(DISTINCT family_id)::int AS n, count(*) FILTER (WHERE revoked_at IS NOT NULL)::int AS revoked FROM refresh_tokens WHERE user_id = $1`,
        [user.id],
      );
    expect(families.rows[0]).toEqual({ n: 1, revoked: 0 });
    // Both new tokens work: nothing was revoked.
    expect((await post('refresh', { refreshToken: again.refreshToken })).status).toBe(200);
    expect((await post('refresh', { refreshToken: rotated.refreshToken })).status).toBe(200);
    // The interval counts from the first rotation: once it is over, the old token revokes the family.
    await ageRotations(user.id);
    const late = await post('refresh', { refreshToken: first.refreshToken });
    expect(late.status).toBe(401);
    expect((await problem(late)).code).toBe('refresh-token-reused');
    const revoked = await t.app
      .get(pg.Pool)
      .query(`SELECT count(*)::int AS n FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL`, [user.id]);
    expect(revoked.rows[0].n).toBe(0);
  });

  it('401 for an unknown token, 422 without one', async () => {
    const res = await post('refresh', { refreshToken: randomBytes(32).toString('base64url') });
    expect(res.status).toBe(401);
    expect((await problem(res)).code).toBe('invalid-refresh-token');
    expect((await post('refresh', {})).status).toBe(422);
  });

  it('401 for an expired token', async () => {
    const user = await signUp(t.baseUrl);
    const tokens = await logIn(t.baseUrl, user.email, user.password);
    await t.app
      .get(pg.Pool)
      .query(`UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [user.id]);
    const res = await post('refresh', { refreshToken: tokens.refreshToken });
    expect(res.status).toBe(401);
    expect((await problem(res)).code).toBe('refresh-token-expired');
  });
});

describe('POST /api/v1/auth/logout', () => {
  it('204: revokes the family; its tokens no longer refresh; logging out again is still 204', async () => {
    const user = await signUp(t.baseUrl);
    const tokens = await logIn(t.baseUrl, user.email, user.password);
    const res = await post('logout', { refreshToken: tokens.refreshToken });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    const refresh = await post('refresh', { refreshToken: tokens.refreshToken });
    expect(refresh.status).toBe(401);
    expect((await problem(refresh)).code).toBe('refresh-token-revoked');
    expect((await post('logout', { refreshToken: tokens.refreshToken })).status).toBe(204);
  });

  it('401 for an unknown token', async () => {
    const res = await post('logout', { refreshToken: 'nope' });
    expect(res.status).toBe(401);
    expect((await problem(res)).code).toBe('invalid-refresh-token');
  });
});

describe('roles', () => {
  it('ADMIN_EMAILS (case-insensitive) puts admin in the token; others get 403 on admin routes', async () => {
    const admin = await signUp(t.baseUrl, { email: ADMIN });
    const adminTokens = await logIn(t.baseUrl, admin.email, admin.password);
    expect(claims(adminTokens.accessToken).roles).toEqual(['user', 'admin']);
    expect(
      (
        await fetch(`${t.baseUrl}/api/v1/admin-probe`, {
          headers: { authorization: `Bearer ${adminTokens.accessToken}` },
        })
      ).status,
    ).toBe(200);

    const user = await signUp(t.baseUrl);
    const userTokens = await logIn(t.baseUrl, user.email, user.password);
    const forbidden = await fetch(`${t.baseUrl}/api/v1/admin-probe`, {
      headers: { authorization: `Bearer ${userTokens.accessToken}` },
    });
    expect(forbidden.status).toBe(403);
    expect((await problem(forbidden)).code).toBe('admin-only');
  });

  it('a role stored in the users table reaches the token at the next refresh', async () => {
    const user = await signUp(t.baseUrl);
    const tokens = await logIn(t.baseUrl, user.email, user.password);
    await t.app.get(pg.Pool).query(`UPDATE users SET role = 'admin' WHERE id = $1`, [user.id]);
    const refreshed = (await (await post('refresh', { refreshToken: tokens.refreshToken })).json()) as {
      accessToken: string;
    };
    expect(claims(refreshed.accessToken).roles).toEqual(['user', 'admin']);
  });
});
