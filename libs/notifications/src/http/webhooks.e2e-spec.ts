import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { apiCall, expectProblem } from '../../../../test/support/api-call';
import { bearer } from '../../../../test/support/auth';
import { waitFor } from '../../../../test/support/free-port';
import { startTestApp, type TestApp } from '../../../../test/support/test-app';

type Auth = { authorization: string; user: { id: string } };
let t: TestApp;
let db: pg.Client;
const call = (method: string, path: string, auth: Auth | null, body?: unknown, headers: Record<string, string> = {}) =>
  apiCall(t.baseUrl, method, path, auth, body, headers);

beforeAll(async () => {
  t = await startTestApp({
    RUN_WORKER_IN_API: 'true',
    EVENTS_POLL_INTERVAL_MS: '50',
    NOTIFICATIONS_POLL_INTERVAL_MS: '50',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_MAX_ATTEMPTS: '3',
    WEBHOOK_RETRY_BASE_MS: '100',
    WEBHOOK_TIMEOUT_MS: '1000',
    TIMERS_POLL_INTERVAL_MS: '50',
  });
  db = new pg.Client({ connectionString: t.db.url });
  await db.connect();
}, 60_000);
afterAll(async () => {
  await db?.end();
  await t?.close();
});

interface Delivery {
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}
type Behaviour = (res: http.ServerResponse, attempt: number) => void;

/** A local webhook receiver: records what it gets and answers as told (the nth request to it: attempt n). */
async function receiver(behave: Behaviour = (res) => res.writeHead(204).end()) {
  const got: Delivery[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      got.push({ headers: req.headers, body, at: Date.now() });
      behave(res, got.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receivers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got };
}
const receivers: http.Server[] = [];
afterAll(() => receivers.forEach((s) => (s.closeAllConnections(), s.close())));

async function register(auth: Auth, url: string, eventTypes: string[] = ['task.created']) {
  const r = await call('POST', '/webhooks', auth, { url, eventTypes });
  expect(r.status).toBe(201);
  return r.body as { id: string; secret: string };
}
async function createTask(auth: Auth, title = 'Deliver me') {
  const r = await call('POST', '/tasks', auth, { title });
  expect(r.status).toBe(201);
  return r.body as { id: string };
}
const deliveriesOf = (auth: Auth, webhookId: string, query = '') =>
  call('GET', `/webhooks/${webhookId}/deliveries${query}`, auth);
/** The webhook subscriber has queued every event so far. */
const webhookSubscriberCaughtUp = () =>
  waitFor(
    async () => {
      const { rows } = await db.query(
        `SELECT 1 FROM consumer_checkpoints WHERE consumer = 'notifications_webhooks' AND last_position >= (SELECT max(position) FROM events)`,
      );
      return rows.length ? true : undefined;
    },
    20_000,
    'webhook subscriber caught up',
  );
const eventually = <T>(probe: () => Promise<T | undefined>, what: string) => waitFor(probe, 20_000, what);

describe('POST/GET/DELETE /webhooks', () => {
  it('201 with Location and the secret once; listed without it; at most five; deleted with 204, then 404', async () => {
    const alice = bearer(t.app);
    const r = await call('POST', '/webhooks', alice, {
      url: 'https://hooks.example.com/a',
      eventTypes: ['task.created', 'task.reminder_due', 'task.created'],
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`/api/v1/webhooks/${r.body.id}`);
    expect(r.body).toEqual({
      id: expect.any(String),
      url: 'https://hooks.example.com/a',
      eventTypes: ['task.created', 'task.reminder_due'],
      status: 'active',
      createdAt: expect.any(String),
      disabledAt: null,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/=]{44}$/),
    });
    const list = await call('GET', '/webhooks', alice);
    expect(list.body.items).toEqual(
      [{ ...r.body, secret: undefined, deliveries: { pending: 0, delivered: 0, dead: 0 } }].map(
        ({ secret: _, ...rest }) => rest,
      ),
    );
    expect(JSON.stringify(list.body)).not.toContain('whsec_');
    for (let i = 2; i <= 5; i++)
      expect(
        (
          await call('POST', '/webhooks', alice, {
            url: `https://hooks.example.com/${i}`,
            eventTypes: ['task.created'],
          })
        ).status,
      ).toBe(201);
    expectProblem(
      await call('POST', '/webhooks', alice, { url: 'https://hooks.example.com/6', eventTypes: ['task.created'] }),
      422,
      'webhook-limit-reached',
    );
    expect((await call('GET', '/webhooks', alice)).body.items).toHaveLength(5);

    expect((await call('DELETE', `/webhooks/${r.body.id}`, alice)).status).toBe(204);
    expectProblem(await call('DELETE', `/webhooks/${r.body.id}`, alice), 404, 'webhook-not-found');
    expect((await call('GET', '/webhooks', alice)).body.items.map((w: { id: string }) => w.id)).not.toContain(
      r.body.id,
    );
    expect(
      (await call('POST', '/webhooks', alice, { url: 'https://hooks.example.com/again', eventTypes: ['task.created'] }))
        .status,
    ).toBe(201);
  });

  it("others' webhooks are 404 and not listed; non-UUID ids are 404; 401 without a token", async () => {
    const alice = bearer(t.app);
    const bob = bearer(t.app);
    const w = await register(alice, 'https://hooks.example.com/mine');
    expect((await call('GET', '/webhooks', bob)).body).toEqual({ items: [] });
    expectProblem(await call('DELETE', `/webhooks/${w.id}`, bob), 404, 'webhook-not-found');
    expectProblem(await deliveriesOf(bob, w.id), 404, 'webhook-not-found');
    expectProblem(await call('DELETE', '/webhooks/nope', alice), 404, 'webhook-not-found');
    expectProblem(await deliveriesOf(alice, 'nope'), 404, 'webhook-not-found');
    expectProblem(await call('GET', '/webhooks', null), 401);
    expectProblem(
      await call('POST', '/webhooks', null, { url: 'https://hooks.example.com', eventTypes: ['task.created'] }),
      401,
    );
    expectProblem(await call('DELETE', `/webhooks/${w.id}`, null), 401);
    expect((await call('GET', '/webhooks', alice)).body.items).toHaveLength(1);
  });

  it('422 naming the field: a URL that is not http(s), with credentials, not a URL; no, unknown or too many event types', async () => {
    const alice = bearer(t.app);
    const cases: [unknown, string][] = [
      [{ url: 'ftp://hooks.example.com', eventTypes: ['task.created'] }, 'url'],
      [{ url: 'https://u:p@hooks.example.com', eventTypes: ['task.created'] }, 'url'],
      [{ url: 'hooks.example.com', eventTypes: ['task.created'] }, 'url'],
      [{ url: 42, eventTypes: ['task.created'] }, 'url'],
      [{ url: 'https://hooks.example.com', eventTypes: [] }, 'eventTypes'],
      [{ url: 'https://hooks.example.com', eventTypes: ['user.signed_up'] }, 'eventTypes'],
      [
        {
          url: 'https://hooks.example.com',
          eventTypes: ['task.created', 'task.created', 'task.created', 'task.created', 'task.created', 'task.created'],
        },
        'eventTypes',
      ],
      [{ url: 'https://hooks.example.com' }, 'eventTypes'],
    ];
    for (const [body, field] of cases) {
      const r = await call('POST', '/webhooks', alice, body);
      expectProblem(r, 422, 'validation-failed');
      expect([body, [...new Set(r.body.errors.map((e: { field: string }) => e.field))]]).toEqual([body, [field]]);
    }
    expect((await call('GET', '/webhooks', alice)).body.items).toEqual([]);
  });

  it('a keyed retry of a creation answers the same webhook, without its secret, and creates nothing more; another body with the key is 422', async () => {
    const alice = bearer(t.app);
    const key = randomUUID();
    const body = { url: 'https://hooks.example.com/keyed', eventTypes: ['task.created'] };
    const first = await call('POST', '/webhooks', alice, body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(first.body.secret).toMatch(/^whsec_/);
    const again = await call('POST', '/webhooks', alice, body, { 'idempotency-key': key });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    const { secret: _, ...withoutSecret } = first.body;
    expect(again.body).toEqual(withoutSecret);
    expect((await call('GET', '/webhooks', alice)).body.items).toHaveLength(1);
    // The secret is nowhere in the key's record.
    const { rows } = await db.query(
      `SELECT result::text, response::text FROM idempotency_keys WHERE result::text LIKE '%' || $1 || '%'`,
      [first.body.id],
    );
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(first.body.secret.slice(6));
    expectProblem(
      await call(
        'POST',
        '/webhooks',
        alice,
        { ...body, url: 'https://hooks.example.com/other' },
        { 'idempotency-key': key },
      ),
      422,
      'idempotency-key-reused',
    );
  });
});

describe('deliveries', () => {
  it("signed CloudEvents of the owner's subscribed events only, verified with the standardwebhooks package; listed as delivered", async () => {
    const alice = bearer(t.app);
    const bob = bearer(t.app);
    const rx = await receiver();
    const w = await register(alice, rx.url, ['task.created', 'task.status_changed']);
    const task = await createTask(alice, 'Signed delivery');
    expect((await call('PATCH', `/tasks/${task.id}`, alice, { title: 'renamed' })).status).toBe(200); // task.updated: not subscribed
    expect((await call('PATCH', `/tasks/${task.id}`, alice, { status: 'completed' })).status).toBe(200);
    await createTask(bob, "Bob's task"); // another user's event: not theirs to receive
    await eventually(async () => (rx.got.length >= 2 ? true : undefined), 'two deliveries');

    const verifier = new Webhook(w.secret);
    const events = rx.got.map(
      (d) =>
        verifier.verify(d.body, d.headers as Record<string, string>) as {
          type: string;
          subject: string;
          data: { title?: string; to?: string };
          specversion: string;
          id: string;
        },
    );
    expect(events.map((e) => e.type).sort()).toEqual(['task.created', 'task.status_changed']);
    const created = events.find((e) => e.type === 'task.created')!;
    expect(created).toMatchObject({ specversion: '1.0', subject: task.id, data: { title: 'Signed delivery' } });
    expect(rx.got[0].headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');

    const page = await eventually(async () => {
      const r = await deliveriesOf(alice, w.id, '?status=delivered');
      return r.body.items.length === 2 ? r : undefined;
    }, 'deliveries recorded as delivered');
    expect(page.body.items[0]).toMatchObject({
      status: 'delivered',
      attempts: 1,
      lastStatus: 204,
      lastError: null,
      nextAttemptAt: null,
      deliveredAt: expect.any(String),
    });
    expect(page.body.items.map((d: { id: string }) => d.id).sort()).toEqual(
      rx.got.map((d) => d.headers['webhook-id']).sort(),
    );
    const oneByOne = await deliveriesOf(alice, w.id, '?limit=1');
    expect(oneByOne.body.items).toHaveLength(1);
    const next = await deliveriesOf(alice, w.id, `?limit=1&cursor=${oneByOne.body.nextCursor}`);
    expect(next.body.items).toHaveLength(1);
    expect(next.body.items[0].id).not.toBe(oneByOne.body.items[0].id);
    expect((await call('GET', '/webhooks', alice)).body.items[0].deliveries).toEqual({
      pending: 0,
      delivered: 2,
      dead: 0,
    });
    await webhookSubscriberCaughtUp();
    expect((await call('GET', '/webhooks', alice)).body.items[0].deliveries).toEqual({
      pending: 0,
      delivered: 2,
      dead: 0,
    });
    expect(rx.got).toHaveLength(2);
  });

  it('a fired reminder is delivered as task.reminder_due', async () => {
    const alice = bearer(t.app);
    const rx = await receiver();
    const w = await register(alice, rx.url, ['task.reminder_due']);
    const due = new Date(Date.now() + 30 * 60_000); // lead 60: fires at once
    const task = await call('POST', '/tasks', alice, { title: 'Remind my webhook', dueDate: due.toISOString() });
    expect(task.status).toBe(201);
    await eventually(async () => (rx.got.length === 1 ? true : undefined), 'the reminder delivered');
    const event = new Webhook(w.secret).verify(rx.got[0].body, rx.got[0].headers as Record<string, string>);
    expect(event).toMatchObject({
      type: 'task.reminder_due',
      source: '/task-backend/task_reminder',
      data: { taskId: task.body.id, ownerId: alice.user.id, dueDate: due.toISOString(), leadMinutes: 60 },
    });
  });

  it('a failing receiver is retried with backoff under one webhook-id, and delivered when it recovers', async () => {
    const alice = bearer(t.app);
    const rx = await receiver((res, attempt) => res.writeHead(attempt < 3 ? 503 : 200).end());
    const w = await register(alice, rx.url);
    await createTask(alice);
    const page = await eventually(async () => {
      const r = await deliveriesOf(alice, w.id);
      return r.body.items[0]?.status === 'delivered' ? r : undefined;
    }, 'delivered on the third attempt');
    expect(page.body.items[0]).toMatchObject({ attempts: 3, lastStatus: 200 });
    expect(new Set(rx.got.map((d) => d.headers['webhook-id'])).size).toBe(1);
    // Backoff: 100 ms, then 200 ms (WEBHOOK_RETRY_BASE_MS doubled).
    expect(rx.got[1].at - rx.got[0].at).toBeGreaterThanOrEqual(90);
    expect(rx.got[2].at - rx.got[1].at).toBeGreaterThanOrEqual(190);
    for (const d of rx.got)
      expect(() => new Webhook(w.secret).verify(d.body, d.headers as Record<string, string>)).not.toThrow();
  });

  it('a receiver that keeps failing (or never answers) is dead-lettered after its attempts, disabled, and its owner notified in-app; other endpoints are not held up', async () => {
    const alice = bearer(t.app);
    const carol = bearer(t.app);
    const failing = await receiver((res) => res.writeHead(500).end('nope'));
    const silent = await receiver(() => undefined); // never answers: each attempt times out (WEBHOOK_TIMEOUT_MS 1000)
    const healthy = await receiver();
    const wf = await register(alice, failing.url);
    const ws = await register(alice, silent.url);
    await register(carol, healthy.url);
    await createTask(alice, 'To a failing receiver');
    await createTask(carol, 'To a healthy receiver');
    await eventually(async () => (healthy.got.length === 1 ? true : undefined), 'the healthy receiver served');

    for (const [w, rx, error] of [
      [wf, failing, 'HTTP 500'],
      [ws, silent, 'no complete answer within 1000 ms'],
    ] as const) {
      const dead = await eventually(async () => {
        const r = await deliveriesOf(alice, w.id, '?status=dead');
        return r.body.items.length === 1 ? r : undefined;
      }, `${error}: dead-lettered`);
      expect(dead.body.items[0]).toMatchObject({ status: 'dead', attempts: 3, lastError: error, nextAttemptAt: null });
      expect(rx.got).toHaveLength(3);
    }
    // The healthy endpoint was served while the silent one was still being retried (its attempts take over 2 s).
    expect(healthy.got[0].at).toBeLessThan(silent.got[2].at);
    const listed = await call('GET', '/webhooks', alice);
    expect(
      listed.body.items.map((w: { status: string; disabledAt: string | null }) => [w.status, typeof w.disabledAt]),
    ).toEqual([
      ['disabled', 'string'],
      ['disabled', 'string'],
    ]);
    const notes = await eventually(async () => {
      const r = await call('GET', '/notifications', alice);
      return r.body.items.length === 2 ? r.body.items : undefined;
    }, 'two in-app notifications');
    expect(notes.map((n: { type: string; data: { webhookId: string } }) => [n.type, n.data.webhookId]).sort()).toEqual(
      [
        ['webhook_disabled', wf.id],
        ['webhook_disabled', ws.id],
      ].sort(),
    );
    expect(notes[0].title).toBe('Webhook disabled');

    // A disabled endpoint is sent nothing more.
    await createTask(alice, 'After disabling');
    await webhookSubscriberCaughtUp();
    expect((await deliveriesOf(alice, wf.id)).body.items).toHaveLength(1);
    expect(failing.got).toHaveLength(3);
  });

  it('422 for a bad status, limit or cursor of the deliveries list', async () => {
    const alice = bearer(t.app);
    const w = await register(alice, 'https://hooks.example.com/q');
    for (const q of ['status=lost', 'limit=0', 'limit=101', 'cursor=nope'])
      expectProblem(await deliveriesOf(alice, w.id, `?${q}`), 422);
  });
});
