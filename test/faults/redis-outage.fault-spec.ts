import { setTimeout as sleep } from 'node:timers/promises';
import { FaultStack, type AppProcess } from '../support/app-process';
import { waitFor } from '../support/free-port';
import { createTasks, newUser, send, type Outcome } from '../support/http-client';
import { privateServices } from '../support/private-services';
import { waitForExactProjections } from '../support/read-model-invariants';
import { seededRandom } from '../support/seeded-random';

// Redis SIGKILLed for 10 s under mixed load, then started again (empty): requests without an
// Idempotency-Key never get a 5xx; keyed writes, each sent twice and retried until answered, have
// exactly one effect per key; /ready stays 200 and names the degradation; the API recovers the
// fast path without a restart.

const missing = privateServices.missing('postgres', 'redis');
const OUTAGE_MS = 10_000;
const CLIENTS = 4;

type Phase = 'before' | 'outage' | 'after';

interface Keyed {
  key: string;
  title: string;
  answers: Outcome[];
}

(missing.length ? describe.skip : describe)('Redis killed for 10 s under load', () => {
  let stack: FaultStack;
  let api: AppProcess;
  beforeAll(async () => {
    stack = await FaultStack.start({ redis: true });
    api = await stack.api({ IDEMPOTENCY_LEASE_MS: '1000' });
    // Reads come from the read tables: the worker keeps them (and publishes to the Redis Stream, which goes away too).
    await stack.worker();
  }, 300_000);
  afterAll(() => stack?.destroy());

  it('no 5xx without a key, one effect per key, /ready 200 naming the degradation, recovery without a restart', async () => {
    const rnd = seededRandom('redis outage');
    const run = rnd.word(6);
    const user = await newUser(api.baseUrl, 'redis');
    const taskIds = await createTasks(
      api.baseUrl,
      user.token,
      Array.from({ length: 10 }, (_, i) => `seed ${run} ${i}`),
    );
    await waitForExactProjections(stack, 120_000);
    const pid = api.pid;

    let phase: Phase = 'before';
    let stopping = false;
    const unkeyed: { phase: Phase; what: string; outcome: Outcome }[] = [];
    const keyed: Keyed[] = [];
    const readiness: { at: number; phase: Phase; outcome: Outcome }[] = [];

    /** A keyed create, sent twice at once (a client's eager retry), then retried until a 2xx (30 s at most). */
    const keyedCreate = async () => {
      const n = keyed.length;
      const op: Keyed = { key: `redis-${run}-${n}`, title: `keyed ${run} ${n}`, answers: [] };
      keyed.push(op);
      const attempt = () =>
        send(api.baseUrl, 'POST', '/api/v1/tasks', { token: user.token, key: op.key, body: { title: op.title } });
      op.answers.push(...(await Promise.all([attempt(), attempt()])));
      const deadline = Date.now() + 30_000;
      while (!op.answers.some((a) => a.ok && a.status === 201) && Date.now() < deadline) {
        await sleep(rnd.int(100, 300));
        op.answers.push(await attempt());
      }
    };

    const client = async () => {
      while (!stopping) {
        const at = phase;
        const choice = rnd.int(0, 5);
        if (choice === 0)
          unkeyed.push({
            phase: at,
            what: 'GET /tasks/:id',
            outcome: await send(api.baseUrl, 'GET', `/api/v1/tasks/${rnd.pick(taskIds)}`, { token: user.token }),
          });
        else if (choice === 1)
          unkeyed.push({
            phase: at,
            what: 'GET /tasks',
            outcome: await send(api.baseUrl, 'GET', '/api/v1/tasks?limit=5', { token: user.token }),
          });
        else if (choice === 2)
          unkeyed.push({
            phase: at,
            what: 'POST /tasks',
            outcome: await send(api.baseUrl, 'POST', '/api/v1/tasks', {
              token: user.token,
              body: { title: `plain ${run}` },
            }),
          });
        else if (choice === 3) {
          const id = rnd.pick(taskIds);
          unkeyed.push({
            phase: at,
            what: 'PATCH /tasks/:id',
            outcome: await send(api.baseUrl, 'PATCH', `/api/v1/tasks/${id}`, {
              token: user.token,
              body: { description: rnd.word(10) },
            }),
          });
        } else await keyedCreate();
        await sleep(rnd.int(5, 40));
      }
    };
    const prober = async () => {
      while (!stopping) {
        readiness.push({
          at: Date.now(),
          phase,
          outcome: await send(api.baseUrl, 'GET', '/ready', { timeoutMs: 30_000 }),
        });
        await sleep(200);
      }
    };

    const load = Promise.all([prober(), ...Array.from({ length: CLIENTS }, client)]);
    await sleep(1_500);
    await stack.redis!.kill();
    phase = 'outage';
    await sleep(OUTAGE_MS);
    await stack.redis!.resume();
    const upAt = Date.now();
    phase = 'after';
    const recovered = (o: Outcome) => o.ok && o.status === 200 && o.body?.optional?.idempotency?.status === 'up';
    await waitFor(
      async () => (readiness.some((r) => r.at > upAt && recovered(r.outcome)) ? true : undefined),
      60_000,
      '/ready to report the idempotency store up again',
    );
    await sleep(1_000);
    stopping = true;
    await load;

    const describeOutcome = (o: Outcome) => (o.ok ? `${o.status} ${o.text.slice(0, 160)}` : o.error);
    // Readiness: always 200; the outage named while it lasts; no restart.
    expect(
      readiness
        .filter((r) => !r.outcome.ok || r.outcome.status !== 200)
        .map((r) => `${r.phase}: ${describeOutcome(r.outcome)}`),
    ).toEqual([]);
    const namedDown = readiness.filter(
      (r) => r.phase === 'outage' && r.outcome.ok && r.outcome.body?.degraded?.idempotency?.status === 'down',
    );
    expect(namedDown.length).toBeGreaterThan(0);
    expect(api.pid).toBe(pid);
    expect(api.starts).toBe(1);

    // Requests without a key: never a 5xx, never a dropped connection.
    expect(
      unkeyed
        .filter(({ outcome }) => !outcome.ok || outcome.status >= 500)
        .map(({ phase: p, what, outcome }) => `${p} ${what}: ${describeOutcome(outcome)}`),
    ).toEqual([]);
    expect(unkeyed.filter((u) => u.phase === 'outage').length).toBeGreaterThan(0);

    // Keyed: each key acknowledged, all its 2xx naming one task, exactly one task per key.
    const rows = await stack.query<{ id: string; title: string }>(
      `SELECT id::text, title FROM tasks WHERE title LIKE $1`,
      [`keyed ${run} %`],
    );
    const problems: string[] = [];
    for (const op of keyed) {
      const ids = new Set(
        op.answers
          .filter((a) => a.ok && a.status >= 200 && a.status < 300)
          .map((a) => (a as { body: { id: string } }).body.id),
      );
      const written = rows.filter((r) => r.title === op.title);
      if (ids.size !== 1)
        problems.push(`${op.key}: 2xx naming ${ids.size} tasks (${op.answers.map(describeOutcome).join(' | ')})`);
      if (written.length !== 1) problems.push(`${op.key}: ${written.length} tasks written`);
      else if (ids.size === 1 && !ids.has(written[0].id))
        problems.push(`${op.key}: acknowledged ${[...ids][0]} but wrote ${written[0].id}`);
    }
    expect(problems).toEqual([]);
    const keyedDuring = keyed.length;
    process.stdout.write(
      `redis outage: ${unkeyed.length} requests without a key, ${keyedDuring} keys, /ready named the outage ${namedDown.length} times\n`,
    );
    expect(keyed.length).toBeGreaterThan(0);
  }, 300_000);
});
