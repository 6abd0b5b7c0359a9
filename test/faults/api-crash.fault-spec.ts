import { setTimeout as sleep } from 'node:timers/promises';
import { FaultStack, type AppProcess } from '../support/app-process';
import { newUser, send, type Outcome } from '../support/http-client';
import { privateServices } from '../support/private-services';
import { seededRandom } from '../support/seeded-random';

// The API is SIGKILLed at random moments while clients create tasks and sign up with
// Idempotency-Keys, retrying each request (same key, same body) until it gets an answer, as a
// client following the Idempotency-Key draft does. Whatever the crash interrupted, afterwards:
// every key got a 2xx (no acknowledgement lost), every 2xx of a key names the same resource,
// that resource exists with the content sent, and there is exactly one of it (no duplicate).

const missing = privateServices.missing('postgres', 'redis');
const KILLS = 6;
const CLIENTS = 8;
const PASSWORD = 'correct horse battery';

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

interface Operation {
  kind: 'task' | 'signup';
  key: string;
  token?: string;
  ownerId?: string;
  body: Record<string, string>;
  answers: Outcome[];
}

(missing.length ? describe.skip : describe)('API SIGKILLed mid-write under keyed retries', () => {
  let stack: FaultStack;
  let api: AppProcess;
  beforeAll(async () => {
    stack = await FaultStack.start({ redis: true });
    // A dead process's in-flight claim lapses quickly, so retries are not held off for long.
    api = await stack.api({ IDEMPOTENCY_LEASE_MS: '1000' });
  }, 300_000);
  afterAll(() => stack?.destroy());

  it('loses no acknowledgement, writes nothing twice, and every 2xx names a row with the content sent', async () => {
    const rnd = seededRandom('api crash under keyed retries');
    const run = rnd.word(6);
    const users = [
      await newUser(api.baseUrl, 'alice'),
      await newUser(api.baseUrl, 'bob'),
      await newUser(api.baseUrl, 'carol'),
    ];
    const operations: Operation[] = [];
    let stopping = false;
    let crashesOver: number | undefined;

    const nextOperation = (): Operation => {
      const n = operations.length;
      const operation: Operation =
        rnd.next() < 0.75
          ? (() => {
              const user = rnd.pick(users);
              const body = {
                title: `crash ${run} ${n} ${rnd.word(5)}`,
                description: rnd.word(rnd.int(0, 300)),
                priority: rnd.pick(['low', 'medium', 'high', 'urgent']),
              };
              return {
                kind: 'task' as const,
                key: `task-${run}-${n}`,
                token: user.token,
                ownerId: user.id,
                body,
                answers: [],
              };
            })()
          : {
              kind: 'signup',
              key: `signup-${run}-${n}`,
              body: { name: `User ${n}`, email: `crash-${run}-${n}@example.test`, password: PASSWORD },
              answers: [],
            };
      operations.push(operation);
      return operation;
    };

    /**
     * Sends until an answer that is not "try again" (a network failure, 5xx, the key still in
     * flight): while the crashes go on (restarts are slow on a busy machine), then 30 s more.
     */
    const complete = async (op: Operation): Promise<void> => {
      const deadline = () => (crashesOver ?? Infinity) + 30_000;
      for (;;) {
        const answer = await send(api.baseUrl, 'POST', op.kind === 'task' ? '/api/v1/tasks' : '/api/v1/signup', {
          token: op.token,
          key: op.key,
          body: op.body,
          timeoutMs: 30_000,
        });
        op.answers.push(answer);
        const again =
          !answer.ok ||
          answer.status >= 500 ||
          (answer.status === 409 && answer.body?.code === 'idempotency-key-in-use');
        if (!again || Date.now() > deadline()) return;
        const retryAfter = answer.ok ? Number(answer.headers.get('retry-after') ?? 0) : 0;
        await sleep(Math.min(retryAfter * 1000, 1_000) || rnd.int(50, 250));
      }
    };

    const client = async (): Promise<void> => {
      while (!stopping) await complete(nextOperation());
    };

    const killer = async (): Promise<number> => {
      let kills = 0;
      while (kills < KILLS) {
        await sleep(rnd.int(300, 1_500));
        await api.kill();
        kills++;
        await sleep(rnd.int(0, 500));
        await api.start();
      }
      crashesOver = Date.now();
      await sleep(1_000);
      stopping = true;
      return kills;
    };

    const [kills] = await Promise.all([killer(), ...Array.from({ length: CLIENTS }, client)]);

    // Requests in flight when the process died (the connection dropped; a refused one never reached it).
    const interrupted = operations.filter((op) => op.answers.some((a) => !a.ok && a.error !== 'ECONNREFUSED')).length;
    const summary = { operations: operations.length, kills, interrupted, restarts: api.starts - 1 };
    process.stdout.write(`api crash: ${JSON.stringify(summary)}\n`);
    expect(kills).toBe(KILLS);
    // The crashes did hit requests in flight, or this proved nothing.
    expect(interrupted).toBeGreaterThan(0);

    const problems: string[] = [];
    // The answers a key got, repeats counted: "ECONNREFUSED x12, 409 idempotency-key-in-use x3, 201 <id>".
    const describeOp = (op: Operation) => {
      const labels = op.answers.map((a) =>
        a.ok ? `${a.status}${a.body?.id ? ` ${a.body.id}` : a.body?.code ? ` ${a.body.code}` : ''}` : a.error,
      );
      const runs: [string, number][] = [];
      for (const label of labels) {
        const last = runs.at(-1);
        if (last && last[0] === label) last[1]++;
        else runs.push([label, 1]);
      }
      return `${op.kind} ${op.key}: ${runs.map(([label, n]) => (n > 1 ? `${label} x${n}` : label)).join(', ')}`;
    };
    for (const op of operations) {
      const success = op.answers.filter(
        (a): a is Extract<Outcome, { ok: true }> => a.ok && a.status >= 200 && a.status < 300,
      );
      if (success.length === 0) problems.push(`no acknowledgement: ${describeOp(op)}`);
      if (new Set(success.map((a) => a.body?.id)).size > 1)
        problems.push(`2xx answers name different resources: ${describeOp(op)}`);
    }

    const tasks = await stack.query<{
      id: string;
      owner_id: string;
      title: string;
      description: string;
      priority: string;
    }>(`SELECT id::text, owner_id::text, title, description, priority FROM tasks WHERE title LIKE $1`, [
      `crash ${run} %`,
    ]);
    const users_ = await stack.query<{ id: string; name: string; email: string }>(
      `SELECT id::text, name, email FROM users WHERE email LIKE $1`,
      [`crash-${run}-%`],
    );
    const tasksByTitle = groupBy(tasks, (t) => t.title);
    const usersByEmail = groupBy(users_, (u) => u.email);
    for (const op of operations) {
      const acknowledged = op.answers.find(
        (a): a is Extract<Outcome, { ok: true }> => a.ok && a.status >= 200 && a.status < 300,
      );
      if (op.kind === 'task') {
        const rows = tasksByTitle.get(op.body.title) ?? [];
        if (rows.length > 1) problems.push(`duplicate: ${rows.length} tasks for ${describeOp(op)}`);
        if (acknowledged) {
          const row = rows.find((r) => r.id === acknowledged.body?.id);
          if (!row)
            problems.push(
              `2xx names a task that does not exist: ${describeOp(op)} (rows for its title: ${rows.map((r) => r.id).join(', ') || 'none'})`,
            );
          else if (
            row.owner_id !== op.ownerId ||
            row.description !== op.body.description ||
            row.priority !== op.body.priority
          )
            problems.push(`task content differs: ${describeOp(op)}`);
        }
      } else {
        const rows = usersByEmail.get(op.body.email) ?? [];
        if (rows.length > 1) problems.push(`duplicate: ${rows.length} users for ${describeOp(op)}`);
        if (acknowledged) {
          const row = rows.find((r) => r.id === acknowledged.body?.id);
          if (!row) problems.push(`2xx names a user that does not exist: ${describeOp(op)}`);
          else if (row.name !== op.body.name) problems.push(`user content differs: ${describeOp(op)}`);
        }
      }
    }
    // Nothing written that no operation asked for.
    const asked = new Set(operations.filter((op) => op.kind === 'task').map((op) => op.body.title));
    for (const task of tasks) if (!asked.has(task.title)) problems.push(`a task nobody asked for: ${task.title}`);

    expect(problems).toEqual([]);
  }, 600_000);
});
