import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { freePort } from '../../../../test/support/free-port';
import { idempotencyStoreContract } from '../../../../test/support/idempotency-store-contract';
import { testRedisUrl } from '../../../../test/support/services';
import { loadConfig } from '../config/app-config';
import { createRedis } from '../redis/redis.module';
import { RedisIdempotencyStore } from './redis-idempotency-store';

const url = testRedisUrl();
const quiet = { warn: () => undefined, log: () => undefined } as never;
let redis: Redis | undefined;
if (url) {
  beforeAll(async () => {
    redis = createRedis(loadConfig({ REDIS_URL: url }), quiet);
    await new Promise<void>((resolve) =>
      redis!.status === 'ready' ? resolve() : redis!.once('ready', () => resolve()),
    );
  });
  afterAll(async () => {
    await redis?.quit();
  });
}
idempotencyStoreContract(
  'Redis',
  () => new RedisIdempotencyStore(redis!, `idem-test:${process.pid}:${randomBytes(4).toString('hex')}:`),
  !url,
);

describe('Redis IdempotencyStore without Redis', () => {
  it('fails fast, so the interceptor can fall back to the database', async () => {
    const port = await freePort();
    const down = createRedis(
      loadConfig({
        REDIS_URL: `redis://127.0.0.1:${port}`,
        REDIS_COMMAND_TIMEOUT_MS: '200',
        REDIS_CONNECT_TIMEOUT_MS: '200',
      }),
      quiet,
    );
    try {
      const started = Date.now();
      await expect(new RedisIdempotencyStore(down).claim('s', 'fp', 'tok', 1_000, 10_000)).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      down.disconnect();
    }
  });
});
