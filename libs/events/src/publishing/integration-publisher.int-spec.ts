import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startEngineContext, type EngineContext } from '../../../../test/support/events-fixtures';
import { waitFor } from '../../../../test/support/free-port';
import { testRedisUrl } from '../../../../test/support/services';

const url = testRedisUrl();

describe('integration publishing to a Redis Stream', () => {
  let t: EngineContext;
  let redis: Redis;
  const stream = `test.events.${process.pid}.${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    if (!url) return;
    t = await startEngineContext('postgres', { REDIS_URL: url, EVENTS_STREAM: stream }, []);
    redis = new Redis(url);
  }, 60_000);
  afterAll(async () => {
    if (!url) return;
    await redis.del(stream);
    redis.disconnect();
    await t?.close();
  });

  const title = 'publishes every event once as a CloudEvents 1.0 document, readable by a consumer group';
  (url ? it : it.skip)(
    url ? title : `${title} (did not run: no Redis reachable)`,
    async () => {
      await redis.xgroup('CREATE', stream, 'readers', '0', 'MKSTREAM');
      const written = [...(await t.write(3, { n: 1 })), ...(await t.write(2))];
      const entries: [string, string[]][] = [];
      await waitFor(
        async () => {
          const res = (await redis.xreadgroup('GROUP', 'readers', 'r1', 'COUNT', 100, 'STREAMS', stream, '>')) as
            [string, [string, string[]][]][] | null;
          entries.push(...(res?.[0]?.[1] ?? []));
          return entries.length >= written.length ? true : undefined;
        },
        20_000,
        'the published events',
      );
      const docs = entries.map(([, fields]) => JSON.parse(fields[1]) as Record<string, unknown>);
      expect(docs.map((d) => d.id)).toEqual(written.map((e) => e.id));
      expect(docs[0]).toMatchObject({
        specversion: '1.0',
        id: written[0].id,
        source: '/task-backend/test',
        type: 'test.happened',
        subject: written[0].aggregateId,
        datacontenttype: 'application/json',
        data: { n: 1 },
        position: written[0].position.toString(),
      });
      expect(new Date(docs[0].time as string).toISOString()).toBe(docs[0].time);
      expect(await redis.xack(stream, 'readers', ...entries.map(([id]) => id))).toBe(5);
    },
    30_000,
  );
});
