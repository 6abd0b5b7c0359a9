import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { apiCall, expectProblem } from '../../../../test/support/api-call';
import { waitFor } from '../../../../test/support/free-port';
import { startTestApp, type TestApp } from '../../../../test/support/test-app';
import { logIn, signUp } from '../../../../test/support/users';

/** What the SMTP server was handed: envelope and raw message; `accepted` false when it answered 451. */
interface Received {
  from: string;
  to: string[];
  raw: string;
  accepted: boolean;
}

let t: TestApp;
let smtp: SMTPServer;
const received: Received[] = [];
/** Recipients whose next messages the server refuses with a temporary error (451), and how many. */
const refuse = new Map<string, number>();

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        const left = refuse.get(to[0]) ?? 0;
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to,
          raw,
          accepted: left === 0,
        });
        if (left > 0) {
          refuse.set(to[0], left - 1);
          return callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  t = await startTestApp({
    RUN_WORKER_IN_API: 'true',
    EVENTS_POLL_INTERVAL_MS: '50',
    TIMERS_POLL_INTERVAL_MS: '50',
    NOTIFICATIONS_POLL_INTERVAL_MS: '50',
    WEBHOOK_RETRY_BASE_MS: '100',
    SMTP_URL: `smtp://127.0.0.1:${port}`,
    MAIL_FROM: 'Task backend <tasks@example.test>',
    BCRYPT_COST: '4',
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

type Auth = { authorization: string; email: string };
const call = (method: string, path: string, auth: Auth | null, body?: unknown) =>
  apiCall(t.baseUrl, method, path, auth, body);

async function user(): Promise<Auth> {
  const u = await signUp(t.baseUrl);
  const tokens = await logIn(t.baseUrl, u.email, u.password);
  return { authorization: `Bearer ${tokens.accessToken}`, email: u.email };
}
/** A task due in 30 minutes: with the default 60-minute lead its reminder fires at once. */
async function remindNow(auth: Auth, title: string): Promise<{ id: string }> {
  expect(
    (await call('POST', '/tasks', auth, { title, dueDate: new Date(Date.now() + 30 * 60_000).toISOString() })).status,
  ).toBe(201);
  return waitFor(
    async () => (await call('GET', '/notifications', auth)).body.items[0],
    20_000,
    'the reminder notification',
  );
}
/** A header of a raw message, unfolded (long headers continue on indented lines). */
const header = (raw: string, name: string) =>
  new RegExp(`^${name}: ?(.*)$`, 'mi').exec(raw.replace(/\r?\n[ \t]+/g, ' '))?.[1]?.trim();
const eventuallyEmail = (auth: Auth, id: string, status: string) =>
  waitFor(
    async () => {
      const r = await call('GET', `/notifications/${id}/email`, auth);
      return r.status === 200 && r.body.status === status ? r.body : undefined;
    },
    20_000,
    `email ${status}`,
  );

describe('email over SMTP', () => {
  it("a notification is mailed to its user's address: text and HTML parts, the stored Message-ID", async () => {
    const alice = await user();
    const n = await remindNow(alice, 'Water the plants');
    const email = await eventuallyEmail(alice, n.id, 'sent');
    expect(email).toMatchObject({
      to: alice.email,
      subject: 'Reminder: Water the plants',
      messageId: `<${n.id}@notifications.task-backend>`,
      attempts: 1,
      lastError: null,
      sentAt: expect.any(String),
    });
    const [message] = received.filter((m) => m.to[0] === alice.email);
    expect(message).toMatchObject({ from: 'tasks@example.test', accepted: true });
    expect(header(message.raw, 'Message-ID')).toBe(email.messageId);
    expect(header(message.raw, 'Subject')).toBe('Reminder: Water the plants');
    expect(header(message.raw, 'From')).toBe('Task backend <tasks@example.test>');
    expect(header(message.raw, 'Content-Type')).toMatch(/^multipart\/alternative/);
    expect(message.raw).toMatch(/Content-Type: text\/plain/);
    expect(message.raw).toMatch(/Content-Type: text\/html/);
    expect(message.raw).toContain('Water the plants');
  });

  it('a temporary SMTP failure is retried: sent at least once, every attempt with the same Message-ID', async () => {
    const bob = await user();
    refuse.set(bob.email, 1);
    const n = await remindNow(bob, 'Renew the lease');
    const email = await eventuallyEmail(bob, n.id, 'sent');
    expect(email.attempts).toBe(2);
    const attempts = received.filter((m) => m.to[0] === bob.email);
    expect(attempts.map((m) => m.accepted)).toEqual([false, true]);
    expect(attempts.map((m) => header(m.raw, 'Message-ID'))).toEqual([email.messageId, email.messageId]);
  });

  it('email off in the settings: no email (404 email-not-found), the in-app notification still made', async () => {
    const carol = await user();
    expect((await call('PATCH', '/users/me/notification-settings', carol, { email: false })).status).toBe(200);
    const n = await remindNow(carol, 'Quiet reminder');
    // The email subscriber has handled the notification's event once its checkpoint passed it.
    await waitFor(
      async () => {
        const { rows } = await t.app
          .get(pg.Pool)
          .query(
            `SELECT 1 FROM consumer_checkpoints WHERE consumer = 'notifications_email' AND last_position >= (SELECT position FROM events WHERE aggregate_id = $1::uuid AND type = 'notification.created')`,
            [n.id],
          );
        return rows.length ? true : undefined;
      },
      20_000,
      'the email subscriber past the notification',
    );
    expectProblem(await call('GET', `/notifications/${n.id}/email`, carol), 404, 'email-not-found');
    expect(received.filter((m) => m.to[0] === carol.email)).toEqual([]);
  });

  it("another user's notification email is 404; a non-UUID id is 404; 401 without a token", async () => {
    const alice = await user();
    const mallory = await user();
    const n = await remindNow(alice, 'Private');
    await eventuallyEmail(alice, n.id, 'sent');
    expectProblem(await call('GET', `/notifications/${n.id}/email`, mallory), 404, 'email-not-found');
    expectProblem(await call('GET', `/notifications/${randomUUID()}/email`, alice), 404, 'email-not-found');
    expectProblem(await call('GET', '/notifications/nope/email', alice), 404, 'notification-not-found');
    expectProblem(await call('GET', `/notifications/${n.id}/email`, null), 401);
  });
});
