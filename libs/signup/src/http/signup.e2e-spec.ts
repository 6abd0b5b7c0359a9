import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { EventStore } from '@app/events';
import { UnitOfWork } from '@app/shared-kernel';
import { waitFor } from '../../../../test/support/free-port';
import { startTestApp, type TestApp } from '../../../../test/support/test-app';
import { json, logIn, signUp } from '../../../../test/support/users';

const ENV = {
  BCRYPT_COST: '4',
  RUN_WORKER_IN_API: 'true',
  RATE_LIMIT_KEY_PREFIX: `tb:test:${process.pid}:${randomBytes(4).toString('hex')}`,
};

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp(ENV);
});
afterAll(() => t?.close());

const post = (body: unknown) => fetch(`${t.baseUrl}/api/v1/signup`, json(body));
const email = () => `Ada.${randomBytes(4).toString('hex')}@Example.test`;

describe('POST /api/v1/signup', () => {
  it('201: returns the user without any hash, with Location, and stores the email trimmed', async () => {
    const address = email();
    const res = await post({ name: 'Ada', email: `  ${address} `, password: 'correct horse', displayName: 'ada' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id: string } & Record<string, unknown>;
    expect(body).toEqual({
      id: expect.any(String),
      name: 'Ada',
      email: address,
      displayName: 'ada',
      createdAt: expect.any(String),
    });
    expect(res.headers.get('location')).toBe(`/api/v1/users/${body.id}`);
    const stored = await t.app
      .get(pg.Pool)
      .query(`SELECT email, email_normalized, password_hash FROM users WHERE id = $1`, [body.id]);
    expect(stored.rows[0]).toMatchObject({ email: address, email_normalized: address.toLowerCase() });
    expect(stored.rows[0].password_hash).toMatch(/^\$2b\$04\$/);
    const event = await t.app
      .get(pg.Pool)
      .query(`SELECT payload FROM events WHERE aggregate_id = $1 AND type = 'user.signed_up'`, [body.id]);
    expect(event.rows[0].payload).toEqual({
      userId: body.id,
      name: 'Ada',
      email: address,
      displayName: 'ada',
      createdAt: body.createdAt,
    });
    expect(JSON.stringify(event.rows[0].payload)).not.toContain('$2b$');
  });

  it('replays a retried signup with the same Idempotency-Key instead of answering 409', async () => {
    const body = { name: 'Retry', email: email(), password: 'long enough' };
    const key = `signup-${randomUUID()}`;
    const first = await fetch(`${t.baseUrl}/api/v1/signup`, json(body, { 'idempotency-key': key }));
    const again = await fetch(`${t.baseUrl}/api/v1/signup`, json(body, { 'idempotency-key': key }));
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(await again.json()).toEqual(await first.json());
  });

  it('409: a taken email, compared trimmed and case-insensitively', async () => {
    const address = email();
    expect((await post({ name: 'A', email: address, password: 'long enough' })).status).toBe(201);
    const res = await post({ name: 'B', email: ` ${address.toUpperCase()}`, password: 'long enough' });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await res.json()) as { code: string }).code).toBe('email-taken');
  });

  it('409: of several racing signups for one email exactly one wins', async () => {
    const address = email();
    const statuses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        post({ name: `racer ${i}`, email: i % 2 ? address.toLowerCase() : address, password: 'long enough' }).then(
          (r) => r.status,
        ),
      ),
    );
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(7);
    const count = await t.app
      .get(pg.Pool)
      .query(`SELECT count(*)::int AS n FROM users WHERE email_normalized = $1`, [address.toLowerCase()]);
    expect(count.rows[0].n).toBe(1);
  });

  it('422: every invalid field in errors[], with the password measured in UTF-8 bytes', async () => {
    const res = await post({ name: '', email: 'not-an-email', password: 'é'.repeat(3), displayName: '' });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { code: string; errors: { field: string; message: string }[] };
    expect(body.code).toBe('validation-failed');
    expect(body.errors.map((e) => e.field).sort()).toEqual(['displayName', 'email', 'name', 'password']);
    const long = await post({ name: 'A', email: email(), password: '😀'.repeat(18) + 'a' }); // 19 characters, 73 bytes
    expect(long.status).toBe(422);
    expect(((await long.json()) as { errors: { message: string }[] }).errors[0].message).toMatch(/72 bytes/);
    expect((await post({ name: 'A', email: email(), password: '😀'.repeat(18) })).status).toBe(201); // exactly 72 bytes
    expect((await post({ name: 'A', email: email(), password: 'long enough', role: 'admin' })).status).toBe(422);
    expect((await post({ email: email(), password: 'long enough' })).status).toBe(422);
  });

  it('400: malformed JSON; 415: not JSON', async () => {
    const res = await post('{"name": "A",');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('malformed-json');
    const text = await fetch(`${t.baseUrl}/api/v1/signup`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(text.status).toBe(415);
  });
});

describe('GET /api/v1/users/me', () => {
  it("200: the caller from users_read (read-your-writes with the signup's X-Consistency-Token); the Location resolves for its owner only", async () => {
    const res0 = await post({
      name: 'Test User',
      email: email(),
      password: 'correct horse battery',
      displayName: 'Me',
    });
    const consistency = res0.headers.get('x-consistency-token');
    expect(consistency).toMatch(/^\d+\.\d+$/);
    const body0 = (await res0.json()) as Record<string, unknown>;
    const user = { id: String(body0.id), email: String(body0.email), password: 'correct horse battery', body: body0 };
    const { accessToken } = await logIn(t.baseUrl, user.email, user.password);
    const res = await fetch(`${t.baseUrl}/api/v1/users/me`, {
      headers: { authorization: `Bearer ${accessToken}`, 'x-consistency-token': consistency! },
    });
    expect(res.headers.get('x-consistency-stale')).toBeNull();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      id: user.id,
      name: 'Test User',
      email: user.email,
      displayName: 'Me',
      createdAt: user.body.createdAt,
      taskCounts: { pending: 0, in_progress: 0, completed: 0, cancelled: 0 },
    });
    expect(
      (await fetch(`${t.baseUrl}/api/v1/users/${user.id}`, { headers: { authorization: `Bearer ${accessToken}` } }))
        .status,
    ).toBe(200);
    const other = await signUp(t.baseUrl);
    const foreign = await fetch(`${t.baseUrl}/api/v1/users/${other.id}`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(foreign.status).toBe(404);
    expect(
      (await fetch(`${t.baseUrl}/api/v1/users/not-a-uuid`, { headers: { authorization: `Bearer ${accessToken}` } }))
        .status,
    ).toBe(404);
  });

  it("200: task counts follow the tasks slice's events, projected by the running engine", async () => {
    const user = await signUp(t.baseUrl);
    const { accessToken } = await logIn(t.baseUrl, user.email, user.password);
    const [a, b] = [randomUUID(), randomUUID()];
    const at = new Date().toISOString();
    const task = (id: string, version: number, type: string, payload: object) => ({
      type,
      aggregateType: 'task',
      aggregateId: id,
      aggregateVersion: version,
      payload: { ownerId: user.id, ...payload },
    });
    await t.app.get(UnitOfWork).run(() =>
      t.app.get(EventStore).append([
        // Complete payloads (the tasks slice's shapes): the tasks_read projector handles them too.
        task(a, 1, 'task.created', {
          title: 'a',
          description: '',
          priority: 'high',
          status: 'pending',
          dueDate: null,
          createdAt: at,
        }),
        task(b, 1, 'task.created', {
          title: 'b',
          description: '',
          priority: 'low',
          status: 'pending',
          dueDate: null,
          createdAt: at,
        }),
        task(a, 2, 'task.status_changed', { from: 'pending', to: 'in_progress', changedAt: at }),
        task(b, 2, 'task.deleted', { status: 'pending', deletedAt: at }),
      ]),
    );
    const counts = await waitFor(
      async () => {
        const res = await fetch(`${t.baseUrl}/api/v1/users/me`, {
          headers: { authorization: `Bearer ${accessToken}` },
        });
        const body = res.status === 200 ? ((await res.json()) as { taskCounts: Record<string, number> }) : undefined;
        return body && body.taskCounts.in_progress === 1 ? body.taskCounts : undefined;
      },
      10_000,
      'users_read to count the task events',
    );
    expect(counts).toEqual({ pending: 0, in_progress: 1, completed: 0, cancelled: 0 });
  });

  it('401: without a token or with a bad one', async () => {
    const res = await fetch(`${t.baseUrl}/api/v1/users/me`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await fetch(`${t.baseUrl}/api/v1/users/me`, { headers: { authorization: 'Bearer a.b.c' } })).status).toBe(
      401,
    );
  });
});

describe('signup under load', () => {
  it('503 with Retry-After once the hashing queue is full, and no user is written for it', async () => {
    const busy = await startTestApp({ ...ENV, BCRYPT_COST: '10', SIGNUP_HASH_CONCURRENCY: '1', SIGNUP_QUEUE_MAX: '1' });
    try {
      const responses = await Promise.all(
        Array.from({ length: 6 }, () =>
          fetch(`${busy.baseUrl}/api/v1/signup`, json({ name: 'A', email: email(), password: 'long enough' })),
        ),
      );
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(2);
      const refused = responses.filter((r) => r.status === 503);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      expect(Number(refused[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await refused[0].json()) as { code: string }).code).toBe('busy');
      const users = await busy.app.get(pg.Pool).query(`SELECT count(*)::int AS n FROM users`);
      expect(users.rows[0].n).toBe(statuses.filter((s) => s === 201).length);
    } finally {
      await busy.close();
    }
  }, 30_000);
});
