// npm run bench:timers — the timer scheduler with the built worker (dist/apps/worker) on the real
// PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL, else the local server; the bench creates
// and drops a database per run). TIMERS (default 10,000) timers, each its own aggregate as
// reminders are (PER_AGGREGATE=10: ten per aggregate), are inserted before they fall due, either
// spread evenly over one minute ("spread") or all due at the same instant ("burst"), with one and
// with two worker processes. Figures: firing delay (fired_at - due_at: the batch's start on the
// worker's clock) p50/p99/max, throughput (burst: timers / time from due to the last one fired),
// and worker CPU per fired timer (user + system of the worker processes over the run, /proc; also
// net of their idle CPU measured for 5 s before; PostgreSQL's own CPU not counted).
// SPREAD_SECONDS, TIMERS, SHAPES (comma-separated) and PER_AGGREGATE adjust it.
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { processCpu } from '../support/proc-cpu.mjs';
import { freePort } from '../support/free-port.mjs';
import { withDb } from '../support/database-url.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const SECRET = 'bench-secret-bench-secret-bench-secret!!';
const TIMERS = Number(process.env.TIMERS ?? 10_000);
const SPREAD_SECONDS = Number(process.env.SPREAD_SECONDS ?? 60);
const SHAPES = (process.env.SHAPES ?? 'spread,burst').split(',');
/** Timers per aggregate: 1 as reminders (each its own aggregate); more makes batches that share aggregates take turns. */
const PER_AGGREGATE = Number(process.env.PER_AGGREGATE ?? 1);
const IDLE_MS = 5_000;
const LEAD_MS = 8_000; // inserted this long before the first one is due: the workers have seen them by then

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function admin(sql) {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function startWorker(url) {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: url,
    JWT_SECRET: SECRET,
    MIGRATE_ON_START: 'false',
    LOG_LEVEL: 'warn',
    OTEL_SDK_DISABLED: 'true',
  };
  const child = spawn(process.execPath, ['dist/apps/worker/src/main.js'], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  while (
    (await fetch(`http://127.0.0.1:${port}/ready`).then(
      (r) => r.status,
      () => 0,
    )) !== 200
  ) {
    if (Date.now() > deadline) throw new Error('worker did not become ready');
    await sleep(100);
  }
  return child;
}
const stop = (child) =>
  new Promise((r) => {
    child.on('exit', r);
    child.kill('SIGTERM');
  });
const cpuOf = (children) =>
  children.reduce((sum, c) => {
    const t = processCpu(c.pid);
    return sum + t.user + t.sys;
  }, 0);

async function run(shape, workers) {
  const name = `bench_timers_${process.pid}`;
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name}`);
  const url = withDb(ADMIN_URL, name);
  execFileSync(process.execPath, ['dist/apps/cli/src/db-migrate.js'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, JWT_SECRET: SECRET },
    stdio: 'ignore',
  });
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const children = [];
  try {
    for (let i = 0; i < workers; i++) children.push(await startWorker(url));
    await sleep(1_000); // caught up
    // The workers' idle CPU (consumer loops and the scheduler polling), subtracted from the run's.
    const idle0 = cpuOf(children);
    const idleStarted = performance.now();
    await sleep(IDLE_MS);
    const idleUsPerMs = (cpuOf(children) - idle0) / (performance.now() - idleStarted);
    const cpu0 = cpuOf(children);
    const started = performance.now();
    const spreadMs = shape === 'burst' ? 0 : SPREAD_SECONDS * 1000;
    await db.query(
      `INSERT INTO timers (key, due_at, event_type, aggregate_type, aggregate_id, payload, metadata)
       SELECT 'bench:' || i, now() + make_interval(secs => ($2::float8 + $3::float8 * (i - 1) / $1) / 1000), 'bench.timer_fired', 'bench_timer',
              md5('aggregate ' || (i % ($1 / $4)))::uuid, jsonb_build_object('i', i), '{}'
         FROM generate_series(1, $1::int) AS i`,
      [TIMERS, LEAD_MS, spreadMs, PER_AGGREGATE],
    );
    for (;;) {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM timers WHERE state = 'pending'`);
      if (rows[0].n === 0) break;
      await sleep(250);
    }
    const cpuUs = cpuOf(children) - cpu0;
    const netCpuUs = cpuUs - idleUsPerMs * (performance.now() - started);
    const { rows } = await db.query(
      `SELECT extract(epoch FROM fired_at - due_at) * 1000 AS delay_ms FROM timers WHERE state = 'fired' ORDER BY 1`,
    );
    const delays = rows.map((r) => Number(r.delay_ms));
    const {
      rows: [span],
    } = await db.query(
      `SELECT extract(epoch FROM max(fired_at) - min(due_at)) AS s, count(*) FILTER (WHERE state <> 'fired')::int AS unfired FROM timers`,
    );
    const {
      rows: [ev],
    } = await db.query(
      `SELECT count(*)::int AS n, count(DISTINCT metadata->'timer'->>'key')::int AS k FROM events WHERE type = 'bench.timer_fired'`,
    );
    if (ev.n !== TIMERS || ev.k !== TIMERS || Number(span.unfired) !== 0)
      throw new Error(`expected ${TIMERS} events, one per timer: ${JSON.stringify(ev)}`);
    return {
      shape,
      workers,
      fired: delays.length,
      p50: percentile(delays, 50),
      p99: percentile(delays, 99),
      max: delays.at(-1),
      throughput: delays.length / Math.max(Number(span.s), 0.001),
      cpuPerTimerUs: cpuUs / delays.length,
      netCpuPerTimerUs: netCpuUs / delays.length,
    };
  } finally {
    await Promise.all(children.map(stop));
    await db.end();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

const results = [];
for (const shape of SHAPES)
  for (const workers of [1, 2]) {
    const r = await run(shape, workers);
    results.push(r);
    process.stdout.write(
      `${shape.padEnd(6)} workers=${workers}: fired ${r.fired}, delay p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, max ${r.max.toFixed(0)} ms; ` +
        `${shape === 'burst' ? 'throughput' : 'rate'} ${r.throughput.toFixed(0)}/s; worker CPU per timer ${(r.cpuPerTimerUs / 1000).toFixed(2)} ms, ${(r.netCpuPerTimerUs / 1000).toFixed(2)} ms above idle\n`,
    );
  }
process.stdout.write(
  `load average: ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}\n`,
);
