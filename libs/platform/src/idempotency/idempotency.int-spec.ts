import { randomBytes, randomUUID } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { freePort, waitFor } from '../../../../test/support/free-port';
import { IdemProbeModule, idemProbe } from '../../../../test/support/idempotency-probe.module';
import { services, testRedisUrl } from '../../../../test/support/services';
import { startTestApp, type TestApp } from '../../../../test/support/test-app';
import { Metrics } from '../metrics/metrics';
import { REDIS } from '../redis/redis.module';
import { idempotencyFaults } from './idempotency.interceptor';

const redisUrl = testRedisUrl();
const prefix = () => `idem-test:${process.pid}:${randomBytes(4).toString('hex')}:`;

function post(
  t: TestApp,
  body: unknown,
  headers: Record<string, string> = {},
  path = '/api/v1/idem-probe',
  method = 'POST',
) {
  return fetch(`${t.baseUrl}${path}`, {
    method,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
}

async function count(t: TestApp, sql: string, params: unknown[] = []): Promise<number> {
  return Number((await t.app.get(pg.Pool).query(sql, params)).rows[0].n);
}
const rowsTitled = (t: TestApp, title: string) =>
  count(t, 'SELECT count(*) AS n FROM idem_probe_rows WHERE title = $1', [title]);
const eventsTitled = (t: TestApp, title: string) =>
  count(t, `SELECT count(*) AS n FROM events WHERE payload->>'title' = $1`, [title]);

async function snapshot(res: Response) {
  const h = res.headers;
  return {
    status: res.status,
    body: Buffer.from(await res.arrayBuffer()).toString('utf8'),
    location: h.get('location'),
    etag: h.get('etag'),
    contentType: h.get('content-type'),
    consistency: h.get('x-consistency-token'),
  };
}

const title = () => `t-${randomBytes(5).toString('hex')}`;

describe('Idempotency-Key against the real Redis and PostgreSQL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ IDEMPOTENCY_REDIS_PREFIX: prefix(), IDEMPOTENCY_LEASE_MS: '800' }, [IdemProbeModule]);
  });
  afterAll(() => t?.close());

  it('uses the store that matches REDIS_URL', async () => {
    const ready: any = await (await fetch(`${t.baseUrl}/ready`)).json();
    expect(ready.optional.idempotency).toEqual({ status: 'up', backend: redisUrl ? 'redis' : 'memory' });
  });

  it('replays a finished request byte for byte, with Idempotent-Replayed, and executes once', async () => {
    const key = randomUUID();
    const name = title();
    const first = await post(t, { title: name }, { 'idempotency-key': key });
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const original = await snapshot(first);
    expect(original).toMatchObject({
      status: 201,
      location: expect.stringMatching(/^\/api\/v1\/idem-probe\//),
      etag: 'W/"1"',
    });
    for (const sent of [key, `"${key}"`]) {
      const again = await post(t, { title: name }, { 'idempotency-key': sent });
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await snapshot(again)).toEqual(original);
    }
    expect(await rowsTitled(t, name)).toBe(1);
    expect(await eventsTitled(t, name)).toBe(1);
  });

  it('treats bodies that differ only in key order as the same request, and another body as a 422', async () => {
    const key = randomUUID();
    const name = title();
    const first = await post(t, { title: name, delayMs: 0 }, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const reordered = await post(t, { delayMs: 0, title: name }, { 'idempotency-key': key });
    expect(reordered.headers.get('idempotent-replayed')).toBe('true');
    const other = await post(t, { title: `${name}-x` }, { 'idempotency-key': key });
    expect(other.status).toBe(422);
    expect((await other.json()) as any).toMatchObject({ code: 'idempotency-key-reused', status: 422 });
    expect(await rowsTitled(t, `${name}-x`)).toBe(0);
  });

  it('scopes keys to the caller: the same key by another caller executes anew; by the same caller on another target it is a 422', async () => {
    const key = randomUUID();
    const name = title();
    const alice: any = await (
      await post(t, { title: name }, { 'idempotency-key': key, 'x-test-actor': 'alice' })
    ).json();
    const bob = await post(t, { title: name }, { 'idempotency-key': key, 'x-test-actor': 'bob' });
    expect(bob.headers.get('idempotent-replayed')).toBeNull();
    expect(((await bob.json()) as any).id).not.toBe(alice.id);
    const anonymous = await post(t, { title: name }, { 'idempotency-key': key });
    expect(anonymous.headers.get('idempotent-replayed')).toBeNull();
    const patched = await post(
      t,
      { title: name },
      { 'idempotency-key': key, 'x-test-actor': 'alice' },
      `/api/v1/idem-probe/${alice.id}`,
      'PATCH',
    );
    expect(patched.status).toBe(422);
    expect(((await patched.json()) as any).code).toBe('idempotency-key-reused');
    const aliceAgain = await post(t, { title: name }, { 'idempotency-key': key, 'x-test-actor': 'alice' });
    expect(((await aliceAgain.json()) as any).id).toBe(alice.id);
    expect(await rowsTitled(t, name)).toBe(3);
  });

  it('runs 20 parallel requests with one key exactly once; the others get 409 with Retry-After or the replay', async () => {
    const key = randomUUID();
    const name = title();
    const before = idemProbe.executions;
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => post(t, { title: name, delayMs: 300 }, { 'idempotency-key': key })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    for (const r of responses.filter((r) => r.status === 409)) {
      expect(r.headers.get('retry-after')).toBe('1');
      expect((await r.json()) as any).toMatchObject({ code: 'idempotency-key-in-use' });
    }
    const ids = new Set(
      await Promise.all(responses.filter((r) => r.status === 201).map(async (r) => ((await r.json()) as any).id)),
    );
    expect(ids.size).toBe(1);
    expect(idemProbe.executions - before).toBe(1);
    expect(await rowsTitled(t, name)).toBe(1);
    expect(await eventsTitled(t, name)).toBe(1);
  });

  it('releases the key after a 5xx, so the retry executes', async () => {
    const key = randomUUID();
    const name = title();
    const failed = await post(t, { title: name, failTimes: 1 }, { 'idempotency-key': key });
    expect(failed.status).toBe(500);
    const retried = await post(t, { title: name, failTimes: 1 }, { 'idempotency-key': key });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(await rowsTitled(t, name)).toBe(1);
  });

  it('keeps a domain 4xx (the handler ran) but not a validation failure (it did not)', async () => {
    const key = randomUUID();
    const rejected = await post(t, { title: title(), reject: true }, { 'idempotency-key': key });
    expect(rejected.status).toBe(422);
    const again = await post(t, { title: 'other', reject: true }, { 'idempotency-key': key });
    expect(again.status).toBe(422);
    expect(((await again.json()) as any).code).toBe('idempotency-key-reused');

    const key2 = randomUUID();
    const invalid = await post(t, { title: '' }, { 'idempotency-key': key2 });
    expect(invalid.status).toBe(422);
    expect(((await invalid.json()) as any).code).toBe('validation-failed');
    const fixed = await post(t, { title: title() }, { 'idempotency-key': key2 });
    expect(fixed.status).toBe(201);
  });

  it('answers 400 to a malformed key, and to a missing key where the route requires one', async () => {
    const bad = await post(t, { title: title() }, { 'idempotency-key': 'x'.repeat(256) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).code).toBe('invalid-idempotency-key');
    const missing = await post(t, { title: title() }, {}, '/api/v1/idem-probe/required');
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as any).code).toBe('idempotency-key-required');
    const withKey = await post(
      t,
      { title: title() },
      { 'idempotency-key': randomUUID() },
      '/api/v1/idem-probe/required',
    );
    expect(withKey.status).toBe(201);
  });

  it('leaves routes marked @IdempotencyExempt() alone', async () => {
    const key = randomUUID();
    const name = title();
    const first = await post(t, { title: name }, { 'idempotency-key': key }, '/api/v1/idem-probe/exempt');
    const second = await post(t, { title: name }, { 'idempotency-key': key }, '/api/v1/idem-probe/exempt');
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(await rowsTitled(t, name)).toBe(2);
  });

  it('crash safety: dying after COMMIT and before storing the response, a retry returns the committed result and writes nothing', async () => {
    const key = randomUUID();
    const name = title();
    const before = idemProbe.executions;
    let crashes = 1;
    let lost: { status: number; headers: Record<string, string>; body: string } | undefined;
    idempotencyFaults.afterCommit = (response) => {
      lost ??= response;
      return crashes-- > 0;
    };
    try {
      await expect(post(t, { title: name }, { 'idempotency-key': key })).rejects.toThrow();
    } finally {
      idempotencyFaults.afterCommit = undefined;
    }
    // Committed, with the key in the same transaction; no response stored anywhere.
    expect(await rowsTitled(t, name)).toBe(1);
    const recorded = (await t.app.get(pg.Pool).query(`SELECT response FROM idempotency_keys`)).rows;
    expect(recorded.some((r) => r.response === null)).toBe(true);

    // The dead holder's lease has not run out yet: 409, not a second execution.
    const early = await post(t, { title: name }, { 'idempotency-key': key });
    expect(early.status).toBe(409);

    // Once it has, the retry rebuilds the response from the committed result.
    const recovered = await waitFor(
      async () => {
        const res = await post(t, { title: name }, { 'idempotency-key': key });
        return res.status === 409 ? undefined : res;
      },
      5_000,
      'the lease to run out',
    );
    expect(recovered.status).toBe(201);
    expect(recovered.headers.get('idempotent-replayed')).toBe('true');
    const body = await snapshot(recovered);
    const id = JSON.parse(body.body).id;
    expect(body.location).toBe(`/api/v1/idem-probe/${id}`);
    const [row] = (await t.app.get(pg.Pool).query('SELECT id FROM idem_probe_rows WHERE title = $1', [name])).rows;
    expect(id).toBe(row.id);
    // Exactly the response the dying process was about to send.
    expect(lost).toBeDefined();
    expect(body.body).toBe(Buffer.from(lost!.body, 'base64').toString('utf8'));
    expect({ status: body.status, location: body.location, etag: body.etag, consistency: body.consistency }).toEqual({
      status: lost!.status,
      location: lost!.headers.location,
      etag: lost!.headers.etag,
      consistency: lost!.headers['x-consistency-token'],
    });
    expect(body.consistency).toMatch(/^\d+\.\d+$/);

    // From then on a plain replay, identical to the recovered response.
    const replayed = await post(t, { title: name }, { 'idempotency-key': key });
    expect(await snapshot(replayed)).toEqual(body);
    expect(idemProbe.executions - before).toBe(1);
    expect(await rowsTitled(t, name)).toBe(1);
    expect(await eventsTitled(t, name)).toBe(1);
  });

  (redisUrl ? it : it.skip)(
    'replays from the database record when Redis lost its data (did not run: no Redis reachable)',
    async () => {
      const key = randomUUID();
      const name = title();
      const original = await snapshot(await post(t, { title: name }, { 'idempotency-key': key }));
      await waitFor(
        async () =>
          (await count(t, 'SELECT count(*) AS n FROM idempotency_keys WHERE response IS NULL')) === 0
            ? true
            : undefined,
        2_000,
        'the batched response write',
      );
      const redis = t.app.get<any>(REDIS);
      const keys: string[] = await redis.keys(`${t.config.idempotency.redisPrefix}*`);
      await redis.del(...keys);
      const again = await post(t, { title: name }, { 'idempotency-key': key });
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await snapshot(again)).toEqual(original);
      expect(await rowsTitled(t, name)).toBe(1);
    },
  );

  it('counts outcomes in the metrics registry', async () => {
    const text = await t.app.get(Metrics).registry.getSingleMetricAsString('idempotency_requests_total');
    for (const outcome of [
      'new',
      'replayed',
      'recovered',
      'conflict',
      'mismatch',
      'stored',
      'released',
      'missing_key',
    ]) {
      expect(text).toMatch(new RegExp(`idempotency_requests_total\\{outcome="${outcome}"\\} [1-9]`));
    }
  });

  it('publishes the policy in the OpenAPI document on every POST and PATCH', async () => {
    const doc: any = await (await fetch(`${t.baseUrl}/docs-json`)).json();
    const optional = doc.paths['/api/v1/idem-probe'].post.parameters.find((p: any) => p.name === 'Idempotency-Key');
    expect(optional).toMatchObject({ in: 'header', required: false, schema: { maxLength: 255 } });
    expect(optional.description).toMatch(/24 h/);
    expect(doc.paths['/api/v1/idem-probe/{id}'].patch.parameters.some((p: any) => p.name === 'Idempotency-Key')).toBe(
      true,
    );
    expect(
      doc.paths['/api/v1/idem-probe/required'].post.parameters.find((p: any) => p.name === 'Idempotency-Key').required,
    ).toBe(true);
    expect(doc.paths['/api/v1/idem-probe'].post.responses['409']).toBeDefined();
    const exempt = doc.paths['/api/v1/idem-probe/exempt'].post;
    expect(exempt.parameters.find((p: any) => p.name === 'Idempotency-Key').description).toMatch(/^Ignored/);
    expect(exempt.responses['409']).toBeUndefined();
  });
});

describe('Idempotency-Key while Redis is down', () => {
  let t: TestApp;
  let port: number;
  let proxy: net.Server | undefined;
  const sockets = new Set<net.Socket>();
  beforeAll(async () => {
    port = await freePort();
    t = await startTestApp(
      {
        REDIS_URL: `redis://127.0.0.1:${port}`,
        REDIS_COMMAND_TIMEOUT_MS: '200',
        REDIS_CONNECT_TIMEOUT_MS: '200',
        IDEMPOTENCY_REDIS_PREFIX: prefix(),
      },
      [IdemProbeModule],
    );
  });
  afterAll(async () => {
    await t?.close();
    for (const s of sockets) s.destroy();
    proxy?.close();
  });

  it('serves requests without a key, stays ready and says it is degraded', async () => {
    expect((await post(t, { title: title() })).status).toBe(201);
    const ready = await fetch(`${t.baseUrl}/ready`);
    expect(ready.status).toBe(200);
    expect((await ready.json()) as any).toMatchObject({ status: 'ok', degraded: { idempotency: { status: 'down' } } });
  });

  it('keeps keyed requests exactly-once through the database record, also 10 in parallel', async () => {
    const key = randomUUID();
    const name = title();
    const first = await post(t, { title: name }, { 'idempotency-key': key });
    const original = await snapshot(first);
    expect(original.status).toBe(201);
    const again = await post(t, { title: name }, { 'idempotency-key': key });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await snapshot(again)).toEqual(original);
    expect((await post(t, { title: 'other' }, { 'idempotency-key': key })).status).toBe(422);

    const key2 = randomUUID();
    const name2 = title();
    const parallel = await Promise.all(
      Array.from({ length: 10 }, () => post(t, { title: name2, delayMs: 100 }, { 'idempotency-key': key2 })),
    );
    const ids = new Set(
      await Promise.all(parallel.map(async (r) => (r.status === 201 ? ((await r.json()) as any).id : r.status))),
    );
    expect([...ids].filter((v) => typeof v === 'string')).toHaveLength(1);
    expect(parallel.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    expect(await rowsTitled(t, name2)).toBe(1);
    expect(await eventsTitled(t, name2)).toBe(1);
  });

  (redisUrl ? it : it.skip)(
    'recovers by itself when Redis comes back (did not run: no Redis reachable)',
    async () => {
      const upstream = new URL(services.redisUrl);
      proxy = net.createServer((client) => {
        const server = net.connect(Number(upstream.port || 6379), upstream.hostname);
        sockets.add(client).add(server);
        client.pipe(server).pipe(client);
        client.on('error', () => server.destroy());
        server.on('error', () => client.destroy());
      });
      await new Promise<void>((resolve) => proxy!.listen(port, '127.0.0.1', resolve));
      await waitFor(
        async () => {
          const body: any = await (await fetch(`${t.baseUrl}/ready`)).json();
          return body.optional?.idempotency?.status === 'up' ? true : undefined;
        },
        10_000,
        'the idempotency store to be up again',
      );
      const key = randomUUID();
      const name = title();
      expect((await post(t, { title: name }, { 'idempotency-key': key })).status).toBe(201);
      const replay = await post(t, { title: name }, { 'idempotency-key': key });
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(await rowsTitled(t, name)).toBe(1);
    },
    20_000,
  );
});
