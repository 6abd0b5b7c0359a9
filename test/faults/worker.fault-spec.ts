import { setTimeout as sleep } from 'node:timers/promises';
import { FaultStack, type AppProcess } from '../support/app-process';
import { copyTemplateUntil, writeTemplate } from '../support/event-backlog';
import { waitFor } from '../support/free-port';
import { privateServices } from '../support/private-services';
import { deadLetters, readModelDifferences, waitForExactProjections } from '../support/read-model-invariants';
import { seededRandom } from '../support/seeded-random';

// The worker under crashes: killed again and again while it catches up, two of them with the
// lease holder killed, and one started on a 50,000-event backlog. Afterwards the read tables
// must be exactly the fold of the write tables (users_read's counts included), nothing dead-lettered.

const missing = privateServices.missing('postgres');
const LOCK_NAMESPACE = 0x45564e54; // the events engine's advisory-lock namespace ('EVNT')
const PROJECTORS = ['tasks_read', 'users_read'];

/** A stack with the template written through the API (then stopped) and copied to `events` events. */
async function stackWithBacklog(label: string, events: number): Promise<{ stack: FaultStack; total: number }> {
  const rnd = seededRandom(label);
  const started = Date.now();
  const stack = await FaultStack.start();
  try {
    const api = await stack.api();
    await writeTemplate(api.baseUrl, rnd);
    await api.kill();
    const total = await copyTemplateUntil(stack.databaseUrl, events);
    process.stdout.write(`${label}: ${total} events seeded in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return { stack, total };
  } catch (err) {
    await stack.destroy();
    throw err;
  }
}

/** The projectors' checkpoints (0 before their first batch) and the last event's position. */
async function progress(
  stack: FaultStack,
): Promise<{ behind: boolean; positions: Record<string, number>; head: number }> {
  const [head] = await stack.query<{ head: string }>(`SELECT coalesce(max(position), 0)::text AS head FROM events`);
  const rows = await stack.query<{ consumer: string; last_position: string }>(
    `SELECT consumer, last_position::text FROM consumer_checkpoints WHERE consumer = ANY($1)`,
    [PROJECTORS],
  );
  const positions = Object.fromEntries(
    PROJECTORS.map((c) => [c, Number(rows.find((r) => r.consumer === c)?.last_position ?? 0)]),
  );
  return { behind: Object.values(positions).some((p) => p < Number(head.head)), positions, head: Number(head.head) };
}

/** Which worker (by pid) holds each consumer's lease right now, from pg_locks. */
async function leaseHolders(stack: FaultStack): Promise<{ consumer: string; pids: number[] }[]> {
  const rows = await stack.query<{ consumer: string; holders: string[] }>(
    `SELECT c.consumer, array_remove(array_agg(DISTINCT a.application_name), NULL) AS holders
       FROM consumer_checkpoints c
       LEFT JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.classid = $1::oid AND l.objid = hashtext(c.consumer)::oid
       LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      GROUP BY c.consumer`,
    [LOCK_NAMESPACE],
  );
  return rows.map((r) => ({ consumer: r.consumer, pids: r.holders.map((name) => Number(name.split(':')[1])) }));
}

(missing.length ? describe.skip : describe)('worker faults', () => {
  let stack: FaultStack | undefined;
  afterEach(async () => {
    await stack?.destroy();
    stack = undefined;
  });

  it('killed repeatedly while catching up: the read tables end as the fold of the write tables', async () => {
    const built = await stackWithBacklog('worker killed while catching up', 8_000);
    stack = built.stack;
    const rnd = seededRandom('worker kill timings');
    const worker = await stack.worker();
    let killsBehind = 0;
    for (let kill = 0; kill < 5; kill++) {
      // Keep a backlog for every kill to land in: more copies when the worker has caught up.
      if (!(await progress(stack)).behind)
        await copyTemplateUntil(stack.databaseUrl, (await progress(stack)).head + 3_000);
      await sleep(rnd.int(200, 1_500));
      const before = await progress(stack);
      await worker.kill();
      if (before.behind) killsBehind++;
      await worker.start();
    }
    process.stdout.write(
      `worker kills: 5, of which ${killsBehind} while behind; ${JSON.stringify(await progress(stack))}\n`,
    );
    expect(killsBehind).toBeGreaterThanOrEqual(3);
    const lastStart = Date.now();
    await waitForExactProjections(stack, 300_000);
    process.stdout.write(`worker caught up ${((Date.now() - lastStart) / 1000).toFixed(1)} s after its last restart\n`);
    await waitFor(
      async () => ((await progress(stack!)).behind ? undefined : true),
      60_000,
      'the checkpoints to reach the last event',
    );
    expect(await deadLetters(stack)).toEqual([]);
  }, 600_000);

  it('two workers, the lease holder killed: the other takes over within 15 s, never two holders, projections exact', async () => {
    const built = await stackWithBacklog('lease holder killed', 8_000);
    stack = built.stack;
    const first = await stack.worker();
    await waitFor(
      async () =>
        (await leaseHolders(stack!)).some((h) => h.consumer === 'tasks_read' && h.pids.length === 1) ? true : undefined,
      60_000,
      'the first worker to hold the leases',
    );
    const second = await stack.worker();
    const workers = new Map<number, AppProcess>([
      [first.pid!, first],
      [second.pid!, second],
    ]);

    let sampling = true;
    const doubleHolders: string[] = [];
    const sampler = (async () => {
      while (sampling) {
        for (const h of await leaseHolders(stack))
          if (h.pids.length > 1) doubleHolders.push(`${h.consumer}: ${h.pids.join(', ')}`);
        await sleep(50);
      }
    })();

    const holder = workers.get((await leaseHolders(stack)).find((h) => h.consumer === 'tasks_read')!.pids[0])!;
    const survivor = holder === first ? second : first;
    const held = (await leaseHolders(stack)).filter((h) => h.pids[0] === holder.pid).map((h) => h.consumer);
    expect((await progress(stack)).behind).toBe(true);
    const killedAt = Date.now();
    await holder.kill();
    await waitFor(
      async () => {
        const now = await leaseHolders(stack!);
        return held.every((consumer) => now.find((h) => h.consumer === consumer)?.pids[0] === survivor.pid)
          ? true
          : undefined;
      },
      15_000,
      `the surviving worker to take over ${held.join(', ')}`,
    );
    const takeoverMs = Date.now() - killedAt;
    process.stdout.write(`lease takeover of ${held.join(', ')} in ${takeoverMs} ms\n`);

    await waitForExactProjections(stack, 300_000);
    sampling = false;
    await sampler;
    expect(doubleHolders).toEqual([]);
    expect(await deadLetters(stack)).toEqual([]);
  }, 600_000);

  it('started on a 50,000-event backlog: catches up with exact projections, resident memory under 1 GiB', async () => {
    const built = await stackWithBacklog('50,000-event backlog', 50_000);
    stack = built.stack;
    expect(built.total).toBeGreaterThanOrEqual(50_000);
    expect((await readModelDifferences(stack, 1)).length).toBeGreaterThan(0); // nothing projected yet
    const started = Date.now();
    const worker = await stack.worker({}, { ready: false });
    let peak = 0;
    await waitFor(
      async () => {
        if (worker.alive) peak = Math.max(peak, worker.memory().peakRss);
        return (await progress(stack!)).behind ? undefined : true;
      },
      540_000,
      'the worker to reach the last event',
    );
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `50,000-event backlog: ${built.total} events caught up in ${seconds.toFixed(1)} s, peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB\n`,
    );
    await waitForExactProjections(stack, 60_000);
    peak = Math.max(peak, worker.memory().peakRss);
    expect(peak).toBeLessThan(2 ** 30);
    expect(worker.alive).toBe(true);
    expect(await deadLetters(stack)).toEqual([]);
  }, 600_000);
});
