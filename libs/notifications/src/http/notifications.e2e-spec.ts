import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { EventStore, type StoredEvent } from '@app/events';
import { TransactionRunner } from '@app/platform';
import { apiCall, expectProblem } from '../../../../test/support/api-call';
import { bearer } from '../../../../test/support/auth';
import { waitFor } from '../../../../test/support/free-port';
import { startTestApp, type TestApp } from '../../../../test/support/test-app';
import { logIn, signUp } from '../../../../test/support/users';
import { reminderAggregateId } from '../adapters/stable-ids';
import { ReminderNotificationsSubscriber } from '../reminders/reminder-notifications.subscriber';

let t: TestApp;
let db: pg.Client;

beforeAll(async () => {
  t = await startTestApp({
    RUN_WORKER_IN_API: 'true',
    EVENTS_POLL_INTERVAL_MS: '50',
    TIMERS_POLL_INTERVAL_MS: '50',
    BCRYPT_COST: '4',
  });
  db = new pg.Client({ connectionString: t.db.url });
  await db.connect();
}, 60_000);
afterAll(async () => {
  await db?.end();
  await t?.close();
});

type Auth = { authorization: string };
const call = (method: string, path: string, auth: Auth | null, body?: unknown, headers: Record<string, string> = {}) =>
  apiCall(t.baseUrl, method, path, auth, body, headers);

const minutes = (n: number) => new Date(Date.now() + n * 60_000);
async function createTask(auth: Auth, dueDate: Date | null, title = 'Ship the release') {
  const r = await call('POST', '/tasks', auth, { title, dueDate: dueDate?.toISOString() ?? null });
  expect(r.status).toBe(201);
  return r.body as { id: string };
}

/** The pending reminder timer of a task: its due time, or undefined once there is none (fired timers are kept, not pending). */
async function pendingReminder(taskId: string): Promise<Date | undefined> {
  const { rows } = await db.query<{ due_at: Date }>(`SELECT due_at FROM timers WHERE key = $1 AND state = 'pending'`, [
    `task_reminder:${taskId}`,
  ]);
  return rows[0]?.due_at;
}
/** Waits until the task's pending reminder satisfies `ok` (the subscriber runs asynchronously). */
const eventuallyReminder = (taskId: string, ok: (at: Date | undefined) => boolean, what: string) =>
  waitFor(
    async () => {
      const at = await pendingReminder(taskId);
      return ok(at) ? { at } : undefined;
    },
    20_000,
    what,
  );
/** The reminder subscriber has handled every event so far (its checkpoint reached the log's end). */
async function remindersCaughtUp(): Promise<void> {
  await waitFor(
    async () => {
      const { rows } = await db.query<{ behind: boolean }>(
        `SELECT coalesce((SELECT last_position FROM consumer_checkpoints WHERE consumer = 'notifications_reminders'), 0) < (SELECT max(position) FROM events) AS behind`,
      );
      return rows[0].behind ? undefined : true;
    },
    20_000,
    'notifications_reminders caught up',
  );
}

/** Appends the event a reminder's timer appends when it fires (the scheduler's own work is tested in the events engine). */
async function fire(taskId: string, ownerId: string, dueDate: Date): Promise<void> {
  const transactions = t.app.get(TransactionRunner, { strict: false });
  const events = t.app.get(EventStore, { strict: false });
  await transactions.run(async () => {
    await events.append([
      {
        type: 'task.reminder_due',
        aggregateType: 'task_reminder',
        aggregateId: reminderAggregateId(taskId),
        aggregateVersion: 1 + (await versionOf(reminderAggregateId(taskId))),
        payload: { taskId, ownerId, dueDate: dueDate.toISOString(), leadMinutes: 60 },
      },
    ]);
  });
}

/** A task of the user's due at `due`, once its reminder is scheduled and has fired. */
async function taskWithFiredReminder(auth: ReturnType<typeof bearer>, due: Date, title?: string) {
  const task = await createTask(auth, due, title);
  await eventuallyReminder(task.id, (a) => a !== undefined, 'reminder scheduled');
  await fire(task.id, auth.user.id, due);
  return task;
}

async function versionOf(aggregateId: string): Promise<number> {
  const { rows } = await db.query<{ v: number | null }>(
    'SELECT max(aggregate_version) AS v FROM events WHERE aggregate_id = $1::uuid',
    [aggregateId],
  );
  return rows[0].v ?? 0;
}
const eventuallyNotifications = (auth: Auth, count: number) =>
  waitFor(
    async () => {
      const r = await call('GET', '/notifications?limit=100', auth);
      return r.body.items.length >= count ? r.body.items : undefined;
    },
    20_000,
    `${count} notifications`,
  );

describe('GET/PATCH /users/me/notification-settings', () => {
  it('answers the defaults until changed; PATCH changes either field; each user has their own', async () => {
    const alice = bearer(t.app);
    const bob = bearer(t.app);
    expect((await call('GET', '/users/me/notification-settings', alice)).body).toEqual({
      email: true,
      reminderLeadMinutes: 60,
    });
    const patched = await call('PATCH', '/users/me/notification-settings', alice, { reminderLeadMinutes: 15 });
    expect(patched).toMatchObject({ status: 200, body: { email: true, reminderLeadMinutes: 15 } });
    expect((await call('PATCH', '/users/me/notification-settings', alice, { email: false })).body).toEqual({
      email: false,
      reminderLeadMinutes: 15,
    });
    expect((await call('PATCH', '/users/me/notification-settings', alice, {})).body).toEqual({
      email: false,
      reminderLeadMinutes: 15,
    });
    expect((await call('GET', '/users/me/notification-settings', alice)).body).toEqual({
      email: false,
      reminderLeadMinutes: 15,
    });
    expect((await call('GET', '/users/me/notification-settings', bob)).body).toEqual({
      email: true,
      reminderLeadMinutes: 60,
    });
  });

  it('422 naming the field for a lead outside 0..10080 or not a whole number, a non-boolean email, or null', async () => {
    const alice = bearer(t.app);
    for (const body of [
      { reminderLeadMinutes: -1 },
      { reminderLeadMinutes: 10_081 },
      { reminderLeadMinutes: 1.5 },
      { reminderLeadMinutes: '15' },
      { reminderLeadMinutes: null },
    ]) {
      const r = await call('PATCH', '/users/me/notification-settings', alice, body);
      expectProblem(r, 422, 'validation-failed');
      expect([...new Set(r.body.errors.map((e: { field: string }) => e.field))]).toEqual(['reminderLeadMinutes']);
    }
    for (const body of [{ email: 'yes' }, { email: null }, { email: 1 }]) {
      const r = await call('PATCH', '/users/me/notification-settings', alice, body);
      expectProblem(r, 422, 'validation-failed');
      expect([...new Set(r.body.errors.map((e: { field: string }) => e.field))]).toEqual(['email']);
    }
    expect(
      (await call('PATCH', '/users/me/notification-settings', alice, { reminderLeadMinutes: 0 })).body
        .reminderLeadMinutes,
    ).toBe(0);
    expect(
      (await call('PATCH', '/users/me/notification-settings', alice, { reminderLeadMinutes: 10_080 })).body
        .reminderLeadMinutes,
    ).toBe(10_080);
    expectProblem(await call('PATCH', '/users/me/notification-settings', alice, '{"email":'), 400);
    expectProblem(
      await call('PATCH', '/users/me/notification-settings', alice, 'email=true', { 'content-type': 'text/plain' }),
      415,
    );
  });

  it('401 without a token', async () => {
    expectProblem(await call('GET', '/users/me/notification-settings', null), 401);
    expectProblem(await call('PATCH', '/users/me/notification-settings', null, { email: false }), 401);
  });

  it('a keyed PATCH is replayed, and the key with another body is 422', async () => {
    const alice = bearer(t.app);
    const key = randomUUID();
    const first = await call(
      'PATCH',
      '/users/me/notification-settings',
      alice,
      { reminderLeadMinutes: 30 },
      { 'idempotency-key': key },
    );
    const again = await call(
      'PATCH',
      '/users/me/notification-settings',
      alice,
      { reminderLeadMinutes: 30 },
      { 'idempotency-key': key },
    );
    expect(again).toMatchObject({ status: 200, body: first.body });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expectProblem(
      await call(
        'PATCH',
        '/users/me/notification-settings',
        alice,
        { reminderLeadMinutes: 31 },
        { 'idempotency-key': key },
      ),
      422,
      'idempotency-key-reused',
    );
  });
});

describe('reminders follow the task (timers scheduled by the notifications_reminders subscriber)', () => {
  it('scheduled at dueDate - 60 min; moved with the due date; cancelled on completion, back on reopen; cancelled on delete', async () => {
    const alice = bearer(t.app);
    const due = minutes(180);
    const task = await createTask(alice, due);
    const { at } = await eventuallyReminder(task.id, (a) => a !== undefined, 'reminder scheduled');
    expect(at!.getTime()).toBe(due.getTime() - 60 * 60_000);

    const later = minutes(600);
    expect((await call('PATCH', `/tasks/${task.id}`, alice, { dueDate: later.toISOString() })).status).toBe(200);
    await eventuallyReminder(task.id, (a) => a?.getTime() === later.getTime() - 60 * 60_000, 'reminder moved');

    expect((await call('PATCH', `/tasks/${task.id}`, alice, { status: 'completed' })).status).toBe(200);
    await eventuallyReminder(task.id, (a) => a === undefined, 'reminder cancelled on completion');
    expect((await call('PATCH', `/tasks/${task.id}`, alice, { status: 'pending' })).status).toBe(200);
    await eventuallyReminder(task.id, (a) => a?.getTime() === later.getTime() - 60 * 60_000, 'reminder back on reopen');

    expect((await call('PATCH', `/tasks/${task.id}`, alice, { dueDate: null })).status).toBe(200);
    await eventuallyReminder(task.id, (a) => a === undefined, 'reminder cancelled when the due date is cleared');
    expect((await call('PATCH', `/tasks/${task.id}`, alice, { dueDate: later.toISOString() })).status).toBe(200);
    await eventuallyReminder(task.id, (a) => a !== undefined, 'reminder back with a due date');
    expect((await call('DELETE', `/tasks/${task.id}`, alice)).status).toBe(204);
    await eventuallyReminder(task.id, (a) => a === undefined, 'reminder cancelled on delete');
  });

  it("follows the owner's lead, and moves when the lead changes", async () => {
    const alice = bearer(t.app);
    expect((await call('PATCH', '/users/me/notification-settings', alice, { reminderLeadMinutes: 15 })).status).toBe(
      200,
    );
    const due = minutes(300);
    const task = await createTask(alice, due);
    await eventuallyReminder(
      task.id,
      (a) => a?.getTime() === due.getTime() - 15 * 60_000,
      'reminder at the 15 min lead',
    );
    expect((await call('PATCH', '/users/me/notification-settings', alice, { reminderLeadMinutes: 120 })).status).toBe(
      200,
    );
    await eventuallyReminder(
      task.id,
      (a) => a?.getTime() === due.getTime() - 120 * 60_000,
      'reminder moved to the 120 min lead',
    );
  });

  it('fires at once when dueDate - lead has passed but the due date has not; a past due date schedules nothing', async () => {
    const alice = bearer(t.app);
    const before = Date.now();
    const soon = await createTask(alice, minutes(30));
    // Read whatever its state: the scheduler fires it at once.
    const at = await waitFor(
      async () =>
        (await db.query<{ due_at: Date }>('SELECT due_at FROM timers WHERE key = $1', [`task_reminder:${soon.id}`]))
          .rows[0]?.due_at,
      20_000,
      'reminder due at once',
    );
    // At the moment the subscriber decided: after the task was created, long before dueDate - lead would allow.
    expect(at.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    expect(at.getTime()).toBeLessThanOrEqual(Date.now());

    const past = await createTask(alice, minutes(-5));
    const none = await createTask(alice, null);
    await remindersCaughtUp();
    expect(await pendingReminder(past.id)).toBeUndefined();
    expect(await pendingReminder(none.id)).toBeUndefined();
  });

  it("a reminder never changes the task's version or ETag", async () => {
    const alice = bearer(t.app);
    const due = minutes(200);
    const task = await taskWithFiredReminder(alice, due);
    await eventuallyNotifications(alice, 1);
    const { rows } = await db.query('SELECT version FROM tasks WHERE id = $1::uuid', [task.id]);
    expect(rows[0].version).toBe(1);
    const read = await waitFor(
      async () => {
        const r = await fetch(`${t.baseUrl}/api/v1/tasks/${task.id}`, {
          headers: { authorization: alice.authorization },
        });
        return r.status === 200 ? r : undefined;
      },
      10_000,
      'task read',
    );
    expect(read.headers.get('etag')).toMatch(/^"1\./);
  });
});

describe('a reminder fires through the durable timer', () => {
  it('a task due in 30 minutes (lead 60) fires at once: task.reminder_due on the reminder aggregate, one in-app notification, the task untouched', async () => {
    const alice = bearer(t.app);
    const due = minutes(30);
    const task = await createTask(alice, due, 'Call the customer');
    const [n] = await eventuallyNotifications(alice, 1);
    expect(n).toMatchObject({
      type: 'task_reminder',
      title: 'Reminder: Call the customer',
      data: { taskId: task.id, dueDate: due.toISOString() },
    });
    const { rows } = await db.query(
      `SELECT aggregate_type, aggregate_id, aggregate_version, payload, metadata FROM events WHERE type = 'task.reminder_due' AND payload->>'taskId' = $1`,
      [task.id],
    );
    expect(rows).toEqual([
      {
        aggregate_type: 'task_reminder',
        aggregate_id: reminderAggregateId(task.id),
        aggregate_version: 1,
        payload: { taskId: task.id, ownerId: alice.user.id, dueDate: due.toISOString(), leadMinutes: 60 },
        metadata: expect.objectContaining({ timer: expect.objectContaining({ key: `task_reminder:${task.id}` }) }),
      },
    ]);
    expect((await db.query('SELECT version FROM tasks WHERE id = $1::uuid', [task.id])).rows[0].version).toBe(1);
  });
});

describe('email without SMTP_URL', () => {
  it("is stored, not sent, and shown by GET /notifications/{id}/email (text and HTML from the reminder's template)", async () => {
    const u = await signUp(t.baseUrl);
    const tokens = await logIn(t.baseUrl, u.email, u.password);
    const auth = { authorization: `Bearer ${tokens.accessToken}` };
    expect(
      (await call('POST', '/tasks', auth, { title: 'Stored <email>', dueDate: minutes(20).toISOString() })).status,
    ).toBe(201);
    const n = await waitFor(
      async () => (await call('GET', '/notifications', auth)).body.items[0],
      20_000,
      'the reminder notification',
    );
    const email = await waitFor(
      async () => {
        const r = await call('GET', `/notifications/${n.id}/email`, auth);
        return r.status === 200 ? r.body : undefined;
      },
      20_000,
      'the stored email',
    );
    expect(email).toMatchObject({
      to: u.email,
      subject: 'Reminder: Stored <email>',
      status: 'stored',
      attempts: 0,
      sentAt: null,
      messageId: `<${n.id}@notifications.task-backend>`,
    });
    expect(email.text).toContain('"Stored <email>" is due at');
    expect(email.html).toContain('&quot;Stored &lt;email&gt;&quot; is due at');
  });
});

describe('in-app notifications: GET /notifications, POST /notifications/{id}/read', () => {
  it('a fired reminder becomes one notification (a redelivered firing adds none); a stale one (the due date moved) none', async () => {
    const alice = bearer(t.app);
    const due = minutes(240);
    const task = await taskWithFiredReminder(alice, due, 'Renew the certificate');
    const [n] = await eventuallyNotifications(alice, 1);
    expect(n).toMatchObject({
      type: 'task_reminder',
      title: 'Reminder: Renew the certificate',
      data: { taskId: task.id, dueDate: due.toISOString() },
      readAt: null,
    });
    expect(n.body).toContain('Renew the certificate');
    // The same event handled again (at-least-once delivery) adds nothing.
    const {
      rows: [stored],
    } = await db.query(
      `SELECT id, position, aggregate_type, aggregate_id, aggregate_version, type, payload, metadata, occurred_at FROM events WHERE type = 'task.reminder_due' AND payload->>'taskId' = $1`,
      [task.id],
    );
    const again: StoredEvent = {
      id: stored.id,
      position: BigInt(stored.position),
      aggregateType: stored.aggregate_type,
      aggregateId: stored.aggregate_id,
      aggregateVersion: stored.aggregate_version,
      type: stored.type,
      payload: stored.payload,
      metadata: stored.metadata,
      occurredAt: stored.occurred_at,
    };
    await t.app.get(ReminderNotificationsSubscriber, { strict: false }).handle(again);
    expect(
      (await db.query('SELECT count(*)::int AS n FROM notifications WHERE user_id = $1::uuid', [alice.user.id])).rows[0]
        .n,
    ).toBe(1);

    const moved = minutes(900);
    expect((await call('PATCH', `/tasks/${task.id}`, alice, { dueDate: moved.toISOString() })).status).toBe(200);
    await eventuallyReminder(task.id, (a) => a?.getTime() === moved.getTime() - 60 * 60_000, 'reminder moved');
    await fire(task.id, alice.user.id, due); // the old due date: stale
    await waitFor(
      async () => {
        const { rows } = await db.query(
          `SELECT 1 FROM consumer_checkpoints WHERE consumer = 'notifications_in_app' AND last_position >= (SELECT max(position) FROM events WHERE type = 'task.reminder_due')`,
        );
        return rows.length ? true : undefined;
      },
      20_000,
      'notifications_in_app caught up',
    );
    expect((await call('GET', '/notifications', alice)).body.items).toHaveLength(1);
    // Others see none of it.
    expect((await call('GET', '/notifications', bearer(t.app))).body).toEqual({ items: [], nextCursor: null });
  });

  it("pages newest first with a keyset cursor; unread=true filters; read is idempotent; others' ids are 404", async () => {
    const alice = bearer(t.app);
    const bob = bearer(t.app);
    const ids: string[] = [];
    for (const title of ['first', 'second', 'third']) {
      const due = minutes(300);
      const task = await taskWithFiredReminder(alice, due, title);
      ids.push(task.id);
      await eventuallyNotifications(alice, ids.length);
    }
    const p1 = await call('GET', '/notifications?limit=2', alice);
    expect(p1.body.items.map((n: any) => n.title)).toEqual(['Reminder: third', 'Reminder: second']);
    expect(p1.body.nextCursor).toEqual(expect.any(String));
    const p2 = await call('GET', `/notifications?limit=2&cursor=${p1.body.nextCursor}`, alice);
    expect(p2.body.items.map((n: any) => n.title)).toEqual(['Reminder: first']);
    expect(p2.body.nextCursor).toBeNull();

    const second = p1.body.items[1];
    const read = await call('POST', `/notifications/${second.id}/read`, alice);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: second.id, title: 'Reminder: second', readAt: expect.any(String) });
    expect(read.headers.get('x-consistency-token')).toMatch(/^\d+\.\d+$/);
    const again = await call('POST', `/notifications/${second.id}/read`, alice);
    expect(again).toMatchObject({ status: 200, body: { readAt: read.body.readAt } });

    const unread = await waitFor(
      async () => {
        const r = await call('GET', '/notifications?unread=true', alice, undefined, {
          'x-consistency-token': read.headers.get('x-consistency-token')!,
        });
        return r.body.items.length === 2 ? r : undefined;
      },
      20_000,
      'unread list',
    );
    expect(unread.body.items.map((n: any) => n.title)).toEqual(['Reminder: third', 'Reminder: first']);
    expect((await call('GET', '/notifications?unread=false', alice)).body.items).toHaveLength(3);
    expect((await call('GET', '/notifications', alice)).body.items.find((n: any) => n.id === second.id).readAt).toBe(
      read.body.readAt,
    );

    expectProblem(await call('POST', `/notifications/${second.id}/read`, bob), 404, 'notification-not-found');
    expectProblem(await call('POST', `/notifications/${randomUUID()}/read`, alice), 404, 'notification-not-found');
    expectProblem(await call('POST', '/notifications/not-a-uuid/read', alice), 404, 'notification-not-found');
    expectProblem(await call('POST', `/notifications/${second.id}/read`, null), 401);
  });

  it('a keyed read is replayed', async () => {
    const alice = bearer(t.app);
    await taskWithFiredReminder(alice, minutes(300));
    const [n] = await eventuallyNotifications(alice, 1);
    const key = randomUUID();
    const first = await call('POST', `/notifications/${n.id}/read`, alice, undefined, { 'idempotency-key': key });
    const again = await call('POST', `/notifications/${n.id}/read`, alice, undefined, { 'idempotency-key': key });
    expect(again).toMatchObject({ status: 200, body: first.body });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('422 for a bad limit, unread or cursor; 401 without a token', async () => {
    const alice = bearer(t.app);
    for (const q of [
      'limit=0',
      'limit=101',
      'limit=x',
      'unread=yes',
      'cursor=nope',
      `cursor=${Buffer.from('["2026-01-01T00:00:00.000Z","x"]').toString('base64url')}`,
    ]) {
      const r = await call('GET', `/notifications?${q}`, alice);
      expectProblem(r, 422);
      expect(r.body.errors.length).toBeGreaterThan(0);
    }
    expectProblem(await call('GET', '/notifications', null), 401);
  });
});
