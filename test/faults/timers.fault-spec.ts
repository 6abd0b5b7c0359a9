import { setTimeout as sleep } from 'node:timers/promises';
import { FaultStack } from '../support/app-process';
import { waitFor } from '../support/free-port';
import { privateServices } from '../support/private-services';
import { seededRandom } from '../support/seeded-random';

// The timer scheduler under crashes: a worker SIGKILLed again and again while it fires a large
// due batch, then two workers finishing it. Afterwards every timer fired exactly once: one event
// per timer, the timer row naming it, each aggregate's versions 1..n without a gap.

const missing = privateServices.missing('postgres');
const TIMERS = 30_000;
const AGGREGATES = 3_000;

interface Progress {
  pending: number;
  fired: number;
}

async function progress(stack: FaultStack): Promise<Progress> {
  const [row] = await stack.query<{ pending: string; fired: string }>(
    `SELECT count(*) FILTER (WHERE state = 'pending') AS pending, count(*) FILTER (WHERE state = 'fired') AS fired FROM timers WHERE key LIKE 'fault:%'`,
  );
  return { pending: Number(row.pending), fired: Number(row.fired) };
}

(missing.length ? describe.skip : describe)('timer faults', () => {
  let stack: FaultStack | undefined;
  afterEach(async () => {
    await stack?.destroy();
    stack = undefined;
  });

  it('a worker killed while firing a large due batch: every timer fires exactly once, one event each', async () => {
    stack = await FaultStack.start();
    // Due a few seconds ago, ten timers per aggregate: the batches also take aggregates' next versions.
    await stack.query(
      `INSERT INTO timers (key, due_at, event_type, aggregate_type, aggregate_id, payload, metadata)
       SELECT 'fault:' || i, now() - interval '5 seconds', 'fault.timer_fired', 'fault_timer', md5('aggregate ' || (i % $2))::uuid, jsonb_build_object('i', i), '{}'
         FROM generate_series(1, $1::int) AS i`,
      [TIMERS, AGGREGATES],
    );
    const rnd = seededRandom('worker killed while firing timers');
    const worker = await stack.worker({}, { ready: false });
    let killsWhileFiring = 0;
    for (let kill = 0; kill < 4; kill++) {
      const before = (await progress(stack)).fired;
      // Kill once this run has fired something (it is into the due set), after a random extra moment.
      const during = await waitFor(
        async () => {
          const p = await progress(stack!);
          return p.fired > before || p.pending === 0 ? p : undefined;
        },
        120_000,
        'the worker to fire timers',
      );
      if (during.pending === 0) break;
      await sleep(rnd.int(0, 150));
      await worker.kill();
      const after = await progress(stack);
      if (after.pending > 0 && after.fired > 0) killsWhileFiring++;
      await worker.start({ ready: false });
    }
    process.stdout.write(`timer kills while firing: ${killsWhileFiring}; ${JSON.stringify(await progress(stack))}\n`);
    expect(killsWhileFiring).toBeGreaterThanOrEqual(2);
    await stack.worker({}, { ready: false }); // a second replica shares the rest
    await waitFor(
      async () => ((await progress(stack!)).pending === 0 ? true : undefined),
      300_000,
      'every timer to fire',
    );

    const [events] = await stack.query<{ n: string; keys: string }>(
      `SELECT count(*) AS n, count(DISTINCT metadata->'timer'->>'key') AS keys FROM events WHERE type = 'fault.timer_fired'`,
    );
    expect({ events: Number(events.n), distinctTimers: Number(events.keys) }).toEqual({
      events: TIMERS,
      distinctTimers: TIMERS,
    });
    const [mismatched] = await stack.query<{ n: string }>(
      `SELECT count(*) AS n FROM timers t LEFT JOIN events e ON e.id = t.event_id
        WHERE t.key LIKE 'fault:%' AND (t.state <> 'fired' OR e.id IS NULL OR e.metadata->'timer'->>'key' <> t.key OR e.payload->>'i' <> substr(t.key, 7))`,
    );
    expect(Number(mismatched.n)).toBe(0);
    const [gaps] = await stack.query<{ n: string }>(
      `SELECT count(*) AS n FROM (SELECT aggregate_id, count(*) AS c, max(aggregate_version) AS m FROM events WHERE type = 'fault.timer_fired' GROUP BY aggregate_id) a WHERE c <> m`,
    );
    expect(Number(gaps.n)).toBe(0);
  }, 600_000);
});
