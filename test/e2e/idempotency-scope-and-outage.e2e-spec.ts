import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { bearer } from '../support/auth';
import { PrivateRedis, privateServices } from '../support/private-services';
import { startTestApp, type TestApp } from '../support/test-app';

/** mulberry32: a seeded generator, so a failing interleaving can be replayed with IDEM_SEED. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const send = (t: TestApp, method: string, path: string, body: unknown, headers: Record<string, string>) =>
  fetch(`${t.baseUrl}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

async function createTask(t: TestApp, auth: string, title: string): Promise<string> {
  const res = await send(t, 'POST', '/tasks', { title }, { authorization: auth });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

describe('Idempotency-Key scope: the caller and the key; the fingerprint names the concrete target', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, 60_000);
  afterAll(() => t?.close());

  it('the same key and body on PATCH /tasks/{A} then /tasks/{B} is a 422, and B is not touched; another caller with that key is another key', async () => {
    const alice = bearer(t.app).authorization;
    const [a, b] = [await createTask(t, alice, 'A'), await createTask(t, alice, 'B')];
    const key = randomUUID();
    const first = await send(
      t,
      'PATCH',
      `/tasks/${a}`,
      { title: 'renamed' },
      { authorization: alice, 'idempotency-key': key },
    );
    expect(first.status).toBe(200);
    expect(((await first.json()) as { id: string }).id).toBe(a);

    const other = await send(
      t,
      'PATCH',
      `/tasks/${b}`,
      { title: 'renamed' },
      { authorization: alice, 'idempotency-key': key },
    );
    expect(other.status).toBe(422);
    expect(other.headers.get('idempotent-replayed')).toBeNull();
    expect(((await other.json()) as { code: string }).code).toBe('idempotency-key-reused');
    const rows = await t.app
      .get(pg.Pool)
      .query<{ id: string; title: string; version: number }>(
        'SELECT id, title, version FROM tasks WHERE id = ANY($1::uuid[])',
        [[a, b]],
      );
    expect(Object.fromEntries(rows.rows.map((r) => [r.id, [r.title, r.version]]))).toEqual({
      [a]: ['renamed', 2],
      [b]: ['B', 1],
    });

    // The same target again: a replay of A's answer.
    const again = await send(
      t,
      'PATCH',
      `/tasks/${a}`,
      { title: 'renamed' },
      { authorization: alice, 'idempotency-key': key },
    );
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as { id: string }).id).toBe(a);

    // Another caller's identical key is another key: Bob's request runs.
    const bob = bearer(t.app).authorization;
    const bobs = await createTask(t, bob, 'C');
    const his = await send(
      t,
      'PATCH',
      `/tasks/${bobs}`,
      { title: 'renamed' },
      { authorization: bob, 'idempotency-key': key },
    );
    expect(his.status).toBe(200);
    expect(his.headers.get('idempotent-replayed')).toBeNull();
  });

  it('the same key on another route or method (POST /tasks, then PATCH /tasks/{id}) is a 422, and so is another body', async () => {
    const alice = bearer(t.app).authorization;
    const key = randomUUID();
    const created = await send(
      t,
      'POST',
      '/tasks',
      { title: 'first' },
      { authorization: alice, 'idempotency-key': key },
    );
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { id: string }).id;
    const patched = await send(
      t,
      'PATCH',
      `/tasks/${id}`,
      { title: 'first' },
      { authorization: alice, 'idempotency-key': key },
    );
    expect(patched.status).toBe(422);
    expect(((await patched.json()) as { code: string }).code).toBe('idempotency-key-reused');
    const otherBody = await send(
      t,
      'POST',
      '/tasks',
      { title: 'second' },
      { authorization: alice, 'idempotency-key': key },
    );
    expect(otherBody.status).toBe(422);
    const rows = await t.app
      .get(pg.Pool)
      .query<{ title: string; version: number }>('SELECT title, version FROM tasks WHERE id = $1', [id]);
    expect(rows.rows).toEqual([{ title: 'first', version: 1 }]);
  });
});

const skip = privateServices.missing('redis').length > 0;

(skip ? describe.skip : describe)('Idempotency-Key while Redis is down (a private redis-server, killed)', () => {
  let redis: PrivateRedis;
  let t: TestApp;
  const seed = Number(process.env.IDEM_SEED ?? Date.now() % 1_000_000);
  const next = random(seed);
  beforeAll(async () => {
    process.stdout.write(`\nidempotency outage races: IDEM_SEED=${seed}\n`);
    redis = await PrivateRedis.start();
    t = await startTestApp({
      REDIS_URL: redis.url,
      REDIS_COMMAND_TIMEOUT_MS: '200',
      REDIS_CONNECT_TIMEOUT_MS: '200',
      BCRYPT_COST: '4',
    });
    await redis.kill();
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await redis?.destroy();
  });

  /** `n` requests with one key, each started after a random stagger: what each answered. */
  async function race(n: number, request: () => Promise<Response>) {
    return Promise.all(
      Array.from({ length: n }, async () => {
        await new Promise((r) => setTimeout(r, Math.floor(next() * 15)));
        const res = await request();
        return {
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          location: res.headers.get('location'),
          body: (await res.json()) as { id?: string; code?: string },
        };
      }),
    );
  }

  function expectOneCommittedAnswer(answers: Awaited<ReturnType<typeof race>>, id: string, location: string) {
    for (const a of answers) {
      if (a.status === 409) {
        expect({ code: a.body.code, retryAfter: a.retryAfter }).toEqual({
          code: 'idempotency-key-in-use',
          retryAfter: '1',
        });
      } else {
        expect({ status: a.status, id: a.body.id, location: a.location }).toEqual({ status: 201, id, location });
      }
    }
    expect(answers.some((a) => a.status === 201)).toBe(true);
  }

  it('POST /tasks: of concurrent requests with one key, exactly one commits; the others get 409 with Retry-After or its answer', async () => {
    const pool = t.app.get(pg.Pool);
    for (let round = 0; round < 6; round++) {
      const alice = bearer(t.app).authorization;
      const key = randomUUID();
      const title = `outage ${randomUUID()}`;
      const n = 2 + Math.floor(next() * 9);
      const answers = await race(n, () =>
        send(t, 'POST', '/tasks', { title }, { authorization: alice, 'idempotency-key': key }),
      );
      const rows = (await pool.query<{ id: string }>('SELECT id FROM tasks WHERE title = $1', [title])).rows;
      expect({ round, n, rows: rows.length }).toEqual({ round, n, rows: 1 });
      expectOneCommittedAnswer(answers, rows[0].id, `/api/v1/tasks/${rows[0].id}`);
      expect(
        Number((await pool.query(`SELECT count(*) AS n FROM events WHERE aggregate_id = $1`, [rows[0].id])).rows[0].n),
      ).toBe(1);
    }
  }, 60_000);

  it('POST /signup: of concurrent signups with one key, exactly one commits; no loser answers email-taken', async () => {
    const pool = t.app.get(pg.Pool);
    for (let round = 0; round < 4; round++) {
      const key = randomUUID();
      const email = `outage-${randomUUID()}@example.test`;
      const n = 2 + Math.floor(next() * 7);
      const answers = await race(n, () =>
        send(t, 'POST', '/signup', { name: 'Racer', email, password: 'correct horse' }, { 'idempotency-key': key }),
      );
      const rows = (await pool.query<{ id: string }>('SELECT id FROM users WHERE email_normalized = $1', [email])).rows;
      expect({ round, n, rows: rows.length }).toEqual({ round, n, rows: 1 });
      expectOneCommittedAnswer(answers, rows[0].id, `/api/v1/users/${rows[0].id}`);
    }
  }, 60_000);
});
