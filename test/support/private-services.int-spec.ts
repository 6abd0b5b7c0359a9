import { Redis } from 'ioredis';
import { PrivatePostgres, PrivateRedis, privateServices } from './private-services';

// The harness itself: a cluster whose counter starts just below a power of ten crosses it, and
// survives a stop, a kill and a restart; a private Redis can be killed and started again.
const missing = privateServices.missing('postgres', 'redis');

(missing.includes('postgres') ? describe.skip : describe)('PrivatePostgres', () => {
  let cluster: PrivatePostgres;
  afterAll(() => cluster?.destroy());

  // ORDER BY names the xid8 column itself: "ORDER BY xid" after "xid::text AS xid" would sort text.
  it('starts with the counter placed by pg_resetwal, crosses the power of ten, and survives stop, kill and restart', async () => {
    cluster = await PrivatePostgres.start({ nextXid: 999_990n });
    expect(await cluster.nextXid()).toBeLessThan(1_000_000n);
    await cluster.advanceXidTo(999_998n);
    expect(await cluster.nextXid()).toBe(999_998n);
    await cluster.query(`CREATE TABLE t (xid xid8 DEFAULT pg_current_xact_id(), n int)`);
    for (let n = 0; n < 5; n++) await cluster.query(`INSERT INTO t (n) VALUES ($1)`, [n]);
    const rows = await cluster.query<{ x: string }>(`SELECT xid::text AS x FROM t ORDER BY t.xid`);
    expect(rows.map((r) => BigInt(r.x))).toEqual([999_999n, 1_000_000n, 1_000_001n, 1_000_002n, 1_000_003n]);

    await cluster.stop();
    await expect(cluster.query('SELECT 1')).rejects.toThrow();
    await cluster.resume();
    await cluster.kill();
    await expect(cluster.query('SELECT 1')).rejects.toThrow();
    await cluster.resume();
    expect((await cluster.query(`SELECT count(*)::int AS n FROM t`))[0].n).toBe(5);
  });
});

(missing.includes('redis') ? describe.skip : describe)('PrivateRedis', () => {
  let redis: PrivateRedis;
  afterAll(() => redis?.destroy());

  it('answers, dies when killed, and comes back empty on the same port', async () => {
    redis = await PrivateRedis.start();
    const client = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    client.on('error', () => undefined);
    try {
      await client.set('k', 'v');
      await redis.kill();
      await expect(client.get('k')).rejects.toThrow();
      await redis.resume();
      await expect(client.ping()).resolves.toBe('PONG');
      expect(await client.get('k')).toBeNull();
    } finally {
      client.disconnect();
    }
  });
});
