import { randomBytes, randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import pg from 'pg';
import { Redis } from 'ioredis';
import { UnitOfWork } from '@app/shared-kernel';
import { testRedisUrl } from '../../../../test/support/services';
import { startTestContext, type TestContext } from '../../../../test/support/test-context';
import type { RateLimiter } from '../ports/rate-limiter';
import { hashRefreshToken, KyselyRefreshTokenStore } from './kysely-refresh-token.store';
import { MemoryRateLimiter, RedisRateLimiter } from './rate-limiters';

@Module({ providers: [KyselyRefreshTokenStore] })
class StoreModule {}

let t: TestContext;
beforeAll(async () => {
  t = await startTestContext([StoreModule]);
});
afterAll(() => t?.close());

describe('KyselyRefreshTokenStore (token families)', () => {
  it('stores only the hash, locks by token, rotates and revokes a whole family', async () => {
    const store = t.app.get(KyselyRefreshTokenStore);
    const uow = t.app.get(UnitOfWork);
    const pool = t.app.get(pg.Pool);
    const now = new Date();
    const later = new Date(now.getTime() + 60_000);
    const userId = randomUUID();
    const first = await uow.run(() => store.issue({ userId, now, expiresAt: later }));
    const second = await uow.run(() => store.issue({ userId, familyId: first.record.familyId, now, expiresAt: later }));
    const otherFamily = await uow.run(() => store.issue({ userId, now, expiresAt: later }));
    expect(second.record.familyId).toBe(first.record.familyId);
    expect(otherFamily.record.familyId).not.toBe(first.record.familyId);

    const raw = await pool.query(`SELECT token_hash FROM refresh_tokens WHERE id = $1`, [first.record.id]);
    expect(raw.rows[0].token_hash).toBe(hashRefreshToken(first.token));
    expect(JSON.stringify((await pool.query(`SELECT * FROM refresh_tokens`)).rows)).not.toContain(first.token);

    expect(await uow.run(() => store.findForUpdate(first.token))).toMatchObject({
      id: first.record.id,
      rotatedAt: null,
      revokedAt: null,
    });
    expect(await uow.run(() => store.findForUpdate('unknown'))).toBeNull();

    await uow.run(() => store.markRotated(first.record.id, second.record.id, now));
    expect(await uow.run(() => store.findForUpdate(first.token))).toMatchObject({
      replacedBy: second.record.id,
      rotatedAt: expect.any(Date),
    });

    await uow.run(() => store.revokeFamily(first.record.familyId, now));
    expect((await uow.run(() => store.findForUpdate(second.token)))?.revokedAt).toBeInstanceOf(Date);
    expect((await uow.run(() => store.findForUpdate(otherFamily.token)))?.revokedAt).toBeNull();
  });

  it('serialises two rotations of one token: the second waits for the first row lock', async () => {
    const store = t.app.get(KyselyRefreshTokenStore);
    const uow = t.app.get(UnitOfWork);
    const now = new Date();
    const issued = await uow.run(() =>
      store.issue({ userId: randomUUID(), now, expiresAt: new Date(now.getTime() + 60_000) }),
    );
    const rotate = () =>
      uow.run(async () => {
        const record = await store.findForUpdate(issued.token);
        if (record?.rotatedAt) return 'saw-rotated';
        await new Promise((r) => setTimeout(r, 100));
        await store.markRotated(record!.id, randomUUID(), new Date());
        return 'rotated';
      });
    expect((await Promise.all([rotate(), rotate()])).sort()).toEqual(['rotated', 'saw-rotated']);
  });
});

/** The contract both adapters keep. */
function rateLimiterContract(
  name: string,
  make: (perEmail: number, windowSeconds: number) => Promise<RateLimiter | undefined>,
  note = '',
) {
  const run = name === 'memory' || redisUrl ? it : it.skip;
  run(
    `${name}: admits up to the limit per key, then refuses with Retry-After until the window ends${note}`,
    async () => {
      const limiter = (await make(3, 2))!;
      const key = `user-${randomUUID()}@example.test`;
      for (let i = 0; i < 3; i++)
        expect(await limiter.consume('login-email', key)).toEqual({ allowed: true, retryAfterSeconds: 0 });
      const refused = await limiter.consume('login-email', key);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(2);
      expect((await limiter.consume('login-email', `other-${key}`)).allowed).toBe(true);
      expect((await limiter.consume('login-ip', key)).allowed).toBe(true); // buckets are separate
      await new Promise((r) => setTimeout(r, 2_100));
      expect((await limiter.consume('login-email', key)).allowed).toBe(true);
    },
    10_000,
  );
}

const redisUrl = testRedisUrl();
const clients: Redis[] = [];
afterAll(async () => {
  for (const c of clients) await c.quit().catch(() => c.disconnect());
});
async function ready(client: Redis): Promise<Redis> {
  clients.push(client);
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  return client;
}
const rules = (points: number, windowSeconds: number) => ({
  'login-email': { points, windowSeconds },
  'login-ip': { points: 100, windowSeconds },
});

describe('RateLimiter adapters', () => {
  rateLimiterContract('memory', async (p, w) => new MemoryRateLimiter(rules(p, w)));
  rateLimiterContract(
    'redis',
    async (p, w) => {
      if (!redisUrl) return undefined;
      const client = await ready(new Redis(redisUrl, { maxRetriesPerRequest: 0 }));
      return new RedisRateLimiter(client, rules(p, w), `tb:test:${process.pid}:${randomBytes(4).toString('hex')}`);
    },
    redisUrl ? '' : ' (did not run: no Redis reachable)',
  );

  (redisUrl ? it : it.skip)(
    'redis: the count is shared by every process using the same Redis (did not run without Redis)',
    async () => {
      const prefix = `tb:test:${process.pid}:${randomBytes(4).toString('hex')}`;
      const [a, b] = [await ready(new Redis(redisUrl!)), await ready(new Redis(redisUrl!))];
      const [one, two] = [new RedisRateLimiter(a, rules(2, 30), prefix), new RedisRateLimiter(b, rules(2, 30), prefix)];
      expect((await one.consume('login-email', 'shared@example.test')).allowed).toBe(true);
      expect((await two.consume('login-email', 'shared@example.test')).allowed).toBe(true);
      expect((await one.consume('login-email', 'shared@example.test')).allowed).toBe(false);
      const keys = await a.keys(`${prefix}*`);
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.join(' ')).not.toContain('shared@example.test');
    },
  );

  it('redis down: falls back to in-process limits instead of failing', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    dead.on('error', () => undefined);
    const limiter = new RedisRateLimiter(dead, rules(2, 30), 'tb:test:dead');
    expect((await limiter.consume('login-email', 'k')).allowed).toBe(true);
    expect((await limiter.consume('login-email', 'k')).allowed).toBe(true);
    expect((await limiter.consume('login-email', 'k')).allowed).toBe(false);
    dead.disconnect();
  });
});
