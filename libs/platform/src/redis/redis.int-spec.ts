import { freePort } from '../../../../test/support/free-port';
import { testRedisUrl } from '../../../../test/support/services';
import { loadConfig } from '../config/app-config';
import { createRedis } from './redis.module';

const quiet = { warn: () => undefined, log: () => undefined } as never;

describe('Redis connection', () => {
  it('fails a command fast, within the configured bound, when Redis is not there', async () => {
    const port = await freePort();
    const redis = createRedis(
      loadConfig({
        REDIS_URL: `redis://127.0.0.1:${port}`,
        REDIS_COMMAND_TIMEOUT_MS: '300',
        REDIS_CONNECT_TIMEOUT_MS: '300',
      }),
      quiet,
    );
    try {
      const started = Date.now();
      await expect(redis.get('k')).rejects.toThrow();
      // Without the bound the command would queue until a connection appears, i.e. forever; the
      // ceiling is generous so a busy machine does not fail it.
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      redis.disconnect();
    }
  });

  const url = testRedisUrl();
  (url ? it : it.skip)('talks to the real Redis (did not run: no Redis reachable)', async () => {
    const redis = createRedis(loadConfig({ REDIS_URL: url! }), quiet);
    try {
      await new Promise<void>((resolve) =>
        redis.status === 'ready' ? resolve() : redis.once('ready', () => resolve()),
      );
      const key = `tb:test:${process.pid}:${Date.now()}`;
      await redis.set(key, 'v', 'EX', 10);
      expect(await redis.get(key)).toBe('v');
    } finally {
      await redis.quit();
    }
  });
});
