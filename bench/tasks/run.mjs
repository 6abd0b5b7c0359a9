// npm run bench:tasks — the full API (auth, validation, unit of work + event log, info logging,
// tracing with its default sampling and an OTLP exporter, consistency tokens) against a bare
// Fastify + pg server doing the same work, in one run, on 127.0.0.1, each on its own fresh
// database. Both servers run side by side and take turns under load in SLICES slices per phase
// (default 6), so that a slow stretch of the machine hits both alike (docs/decisions/0054). The
// worker (projections, enrichment) runs as its own process, as deployed, started once the POST
// phase has ended so that it does not share the two cores with the measured API
// (BENCH_WORKER=in-api runs the engine inside the API instead). Bounded: DURATION seconds per
// phase and server (default 12), CONNECTIONS (default 16). Also: keyset list latency, first vs last
// page, for a user with LIST_TASKS (default 100,000) tasks. Beside req/s, each server's main-thread
// busy share and CPU per request (Linux /proc): whether the ratio measured the servers' CPU or
// something else that shares the two cores (the load generator, PostgreSQL, Redis) (docs/decisions/0060).
// BENCH_API_ENV (JSON) overrides the API's environment, e.g. '{"OTEL_SDK_DISABLED":"true"}'.
// BENCH_BEFORE=<checkout> also runs that checkout's built API (its own dist/, database and worker)
// in the same slices, for a before/after comparison in one run (build it there first).
// LIST_TASKS=0 skips the list latency part. BENCH_API_NODE_ARGS (space-separated) adds Node options
// to each API process, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof' for a CPU profile per build.
// RATE=<req/s> offers a fixed rate instead of as many requests as the server takes (autocannon's
// overallRate): CPU per request without the batching a saturated server gains (req/s ratios then say nothing).
import { spawn, execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { mainThreadCpu, processCpu } from '../support/proc-cpu.mjs';
import { freePort } from '../support/free-port.mjs';
import { withDb } from '../support/database-url.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const DURATION = Number(process.env.DURATION ?? 12);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
const SLICES = Math.max(1, Number(process.env.SLICES ?? 6));
const RATE = process.env.RATE ? { overallRate: Number(process.env.RATE) } : {};
const LIST_TASKS = Number(process.env.LIST_TASKS ?? 100_000);
const ADMIN_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'bench-secret-bench-secret-bench-secret!!';
const WORKER_IN_API = process.env.BENCH_WORKER === 'in-api';
const REGISTER_TRACING = 'dist/libs/platform/src/tracing/register.js';
const BEFORE = process.env.BENCH_BEFORE;
const API_NODE_ARGS = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);

const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
function jwt(sub) {
  const now = Math.floor(Date.now() / 1000);
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, email: `${sub}@bench.test`, roles: ['user'], typ: 'access', iat: now, exp: now + 3600 })}`;
  return `${head}.${createHmac('sha256', SECRET).update(head).digest('base64url')}`;
}

async function createDb(name, cwd = root) {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDb(ADMIN_URL, name);
  execFileSync(process.execPath, ['dist/apps/cli/src/db-migrate.js'], {
    cwd,
    env: { ...process.env, DATABASE_URL: url, JWT_SECRET: SECRET },
    stdio: 'ignore',
  });
  return url;
}
async function dropDb(name) {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}

async function start(args, env, port, cwd = root) {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/api/v1/tasks/00000000-0000-4000-8000-000000000000`).then(
      () => true,
      () => false,
    );
    if (up) return child;
    if (Date.now() > deadline) throw new Error(`server on ${port} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const stop = (child) =>
  new Promise((r) => {
    child.on('exit', r);
    child.kill('SIGTERM');
  });

/** CPU time (user + system, µs) of a process's main thread and of the whole process; undefined off Linux. */
function cpu(pid) {
  try {
    const [main, all] = [mainThreadCpu(pid), processCpu(pid)];
    return { main: main.user + main.sys, all: all.user + all.sys };
  } catch {
    return undefined;
  }
}

function load(opts) {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, duration: DURATION, ...RATE, ...opts }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
  });
}

/**
 * The same load against each target in turn, DURATION seconds per target cut into SLICES slices
 * whose order alternates, after a 2 s warm-up each. req/s is all requests over all slices' time;
 * p50 and p99 are the median of the slices' (autocannon reports percentiles, not samples);
 * `ratios` is full/bare per round (the spread shows the machine's noise).
 */
async function interleaved(targets) {
  for (const t of targets) await load({ ...t.opts, duration: 2 });
  const slices = targets.map(() => []);
  const seconds = DURATION / SLICES;
  for (let round = 0; round < SLICES; round++) {
    const order = round % 2 === 0 ? targets.map((_, i) => i) : targets.map((_, i) => targets.length - 1 - i);
    for (const i of order) {
      const before = cpu(targets[i].pid);
      const result = await load({ ...targets[i].opts, duration: seconds });
      const after = cpu(targets[i].pid);
      slices[i].push(
        Object.assign(result, {
          cpu: before && after && { main: after.main - before.main, all: after.all - before.all },
        }),
      );
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summaries = slices.map((runs) => ({
    rps: runs.reduce((n, r) => n + r.requests.total, 0) / (seconds * runs.length),
    p50: median(runs.map((r) => r.latency.p50)),
    p99: median(runs.map((r) => r.latency.p99)),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    ...cpuUse(runs, seconds),
  }));
  summaries.ratios = slices[1].map((r, k) => r.requests.total / slices[0][k].requests.total);
  return summaries;
}

/**
 * How busy the server was: its main thread's share of the slices' time (near 100%, it is the
 * bottleneck and req/s measures its CPU per request; well below, something else limited the run,
 * e.g. the load generator sharing the two cores) and its CPU per request (all threads, µs).
 */
function cpuUse(runs, seconds) {
  if (runs.some((r) => !r.cpu)) return {};
  const main = runs.reduce((n, r) => n + r.cpu.main, 0);
  const all = runs.reduce((n, r) => n + r.cpu.all, 0);
  const requests = runs.reduce((n, r) => n + r.requests.total, 0);
  return { mainBusy: main / (seconds * 1e6 * runs.length), cpuPerRequestUs: all / requests };
}

/** Waits (bounded) until every consumer has handled the whole log, so the next phase is not competing with a backlog. */
async function drained(url) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const deadline = Date.now() + 180_000;
  try {
    for (;;) {
      // In commit order, (transaction id, position): a checkpoint's position alone bounds nothing (docs/decisions/0010).
      const { rows } = await c.query(
        `SELECT count(*) AS n, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM events e WHERE (e.transaction_id, e.position) > (c.last_transaction_id, c.last_position))) AS behind
           FROM consumer_checkpoints c`,
      );
      if (Number(rows[0].n) > 0 && Number(rows[0].behind) === 0) return;
      if (Date.now() > deadline) throw new Error('consumers did not catch up within 180 s');
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await c.end();
  }
}

/** A task each server can read: created through its POST, then readable (and cached) through its GET. */
async function readableTask(name, base, headers, prepare = async () => undefined) {
  const body = JSON.stringify({ title: 'Benchmark task', description: 'Created by bench/tasks', priority: 'high' });
  const created = await fetch(`${base}/api/v1/tasks`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body,
  });
  const { id } = await created.json();
  const token = created.headers.get('x-consistency-token');
  await prepare(id);
  const deadline = Date.now() + 60_000;
  while (
    (
      await fetch(`${base}/api/v1/tasks/${id}`, {
        headers: { ...headers, ...(token ? { 'x-consistency-token': token } : {}) },
      })
    ).status !== 200
  ) {
    if (Date.now() > deadline) throw new Error(`${name}: task never became readable`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return id;
}

async function seedList(url, owner, n) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(
    `INSERT INTO tasks_read (id, owner_id, title, description, priority, priority_rank, status, due_date, due_sort, version, revision, created_at, updated_at)
     SELECT gen_random_uuid(), $1::uuid, 'Task ' || g, 'Seeded for the list benchmark', (ARRAY['low','medium','high','urgent'])[1 + g % 4], 1 + g % 4, 'pending',
            CASE WHEN g % 3 = 0 THEN NULL ELSE now() + (g || ' minutes')::interval END,
            CASE WHEN g % 3 = 0 THEN '9999-12-31'::timestamptz ELSE now() + (g || ' minutes')::interval END,
            1, 1, now() - (g || ' seconds')::interval, now()
       FROM generate_series(1, $2::int) g`,
    [owner, n],
  );
  await c.query('ANALYZE tasks_read');
  const last = async (sql, sort, key) => {
    const { rows } = await c.query(sql, [owner]);
    const r = rows[0];
    return Buffer.from(JSON.stringify([sort, key(r), r.id])).toString('base64url');
  };
  // The cursor that asks for the final page of 20 (the opaque cursor's format is known here only).
  const cursors = {
    '-createdAt': await last(
      `SELECT id, created_at FROM tasks_read WHERE owner_id = $1 ORDER BY created_at DESC, id DESC OFFSET ${n - 21} LIMIT 1`,
      '-createdAt',
      (r) => r.created_at.toISOString(),
    ),
    dueDate: await last(
      `SELECT id, due_sort FROM tasks_read WHERE owner_id = $1 ORDER BY due_sort ASC, id ASC OFFSET ${n - 21} LIMIT 1`,
      'dueDate',
      (r) => r.due_sort.toISOString(),
    ),
    '-priority': await last(
      `SELECT id, priority_rank FROM tasks_read WHERE owner_id = $1 ORDER BY priority_rank DESC, id DESC OFFSET ${n - 21} LIMIT 1`,
      '-priority',
      (r) => r.priority_rank,
    ),
  };
  await c.end();
  return cursors;
}

/** First and last page requested alternately (150 each after 20 warm-ups), so machine noise hits both alike. */
async function pageLatency(firstUrl, lastUrl, headers, n = 150) {
  const times = { first: [], last: [] };
  for (let i = 0; i < n + 20; i++) {
    for (const [k, url] of [
      ['first', firstUrl],
      ['last', lastUrl],
    ]) {
      const t0 = performance.now();
      const r = await fetch(url, { headers });
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`${url} -> ${r.status}`);
      if (i >= 20) times[k].push(performance.now() - t0);
    }
  }
  const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)];
  return {
    first: { p50: pct(times.first, 0.5), p99: pct(times.first, 0.99) },
    last: { p50: pct(times.last, 0.5), p99: pct(times.last, 0.99) },
  };
}

const suffix = `${process.pid}`;
const bareDb = `bench_tasks_bare_${suffix}`;
const fullDb = `bench_tasks_full_${suffix}`;
const beforeDb = `bench_tasks_before_${suffix}`;
const out = { when: new Date().toISOString(), node: process.version, duration: DURATION, connections: CONNECTIONS };
const children = [];
try {
  const bareUrl = await createDb(bareDb);
  const fullUrl = await createDb(fullDb);
  const owner = randomUUID();
  const headers = { authorization: `Bearer ${jwt(owner)}` };

  const barePort = await freePort();
  const bare = await start(['bench/tasks/bare-server.mjs'], { DATABASE_URL: bareUrl, REDIS_URL }, barePort);
  children.push(bare);

  // A stand-in OTLP collector: the sampled spans are exported to it over HTTP, as to a real one.
  const sink = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise((r) => sink.listen(0, '127.0.0.1', r));
  sink.unref();
  const tracingEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.address().port}` };
  const fullEnv = {
    DATABASE_URL: fullUrl,
    REDIS_URL,
    JWT_SECRET: SECRET,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    MIGRATE_ON_START: 'false',
    NODE_ENV: 'production',
    ...tracingEnv,
    ...JSON.parse(process.env.BENCH_API_ENV ?? '{}'),
  };
  const apiPort = await freePort();
  const api = await start(
    [...API_NODE_ARGS, '--import', `./${REGISTER_TRACING}`, 'dist/apps/api/src/main.js'],
    { ...fullEnv, RUN_WORKER_IN_API: String(WORKER_IN_API) },
    apiPort,
  );
  children.push(api);

  const bareBase = `http://127.0.0.1:${barePort}`;
  const fullBase = `http://127.0.0.1:${apiPort}`;
  const bareHeaders = { 'x-owner': owner };
  const post = (base, h) => ({
    opts: {
      url: `${base}/api/v1/tasks`,
      method: 'POST',
      headers: { ...h, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Benchmark task', description: 'Created by bench/tasks', priority: 'high' }),
    },
  });
  let before;
  if (BEFORE) {
    const url = await createDb(beforeDb, BEFORE);
    const env = { ...fullEnv, DATABASE_URL: url };
    const port = await freePort();
    const child = await start(
      [...API_NODE_ARGS, '--import', `./${REGISTER_TRACING}`, 'dist/apps/api/src/main.js'],
      { ...env, RUN_WORKER_IN_API: String(WORKER_IN_API) },
      port,
      BEFORE,
    );
    children.push(child);
    before = { url, env, base: `http://127.0.0.1:${port}`, pid: child.pid };
  }
  const creates = await interleaved([
    { ...post(bareBase, bareHeaders), pid: bare.pid },
    { ...post(fullBase, headers), pid: api.pid },
    ...(before ? [{ ...post(before.base, headers), pid: before.pid }] : []),
  ]);
  out.bare = { create: creates[0] };
  out.full = { create: creates[1] };
  if (before) out.before = { create: creates[2] };

  if (!WORKER_IN_API) {
    for (const [cwd, env] of [[root, fullEnv], ...(before ? [[BEFORE, before.env]] : [])]) {
      const workerPort = await freePort();
      children.push(
        spawn(process.execPath, ['--import', `./${REGISTER_TRACING}`, 'dist/apps/worker/src/main.js'], {
          cwd,
          env: { ...process.env, ...env, PORT: String(workerPort) },
          stdio: ['ignore', 'ignore', 'inherit'],
        }),
      );
    }
  }
  const drainStart = Date.now();
  await drained(fullUrl);
  if (before) await drained(before.url);
  console.error(
    `full: consumers caught up with the POST phase's events ${((Date.now() - drainStart) / 1000).toFixed(1)} s after it ended`,
  );

  // the bare server has no projector: its GET reads a tasks_read row written here, as the projector would
  const bareId = await readableTask('bare', bareBase, bareHeaders, async (id) => {
    const c = new pg.Client({ connectionString: bareUrl });
    await c.connect();
    await c.query(
      `INSERT INTO tasks_read (id, owner_id, title, description, priority, priority_rank, status, due_date, due_sort, version, revision, created_at, updated_at)
                   SELECT id, owner_id, title, description, priority, 3, status, due_date, '9999-12-31', version, 1, created_at, updated_at FROM tasks WHERE id = $1`,
      [id],
    );
    await c.end();
  });
  const fullId = await readableTask('full', fullBase, headers);
  const beforeId = before && (await readableTask('before', before.base, headers));
  const gets = await interleaved([
    { opts: { url: `${bareBase}/api/v1/tasks/${bareId}`, headers: bareHeaders }, pid: bare.pid },
    { opts: { url: `${fullBase}/api/v1/tasks/${fullId}`, headers }, pid: api.pid },
    ...(before ? [{ opts: { url: `${before.base}/api/v1/tasks/${beforeId}`, headers }, pid: before.pid }] : []),
  ]);
  out.bare.get = gets[0];
  out.full.get = gets[1];
  if (before) out.before.get = gets[2];
  out.ratio = { create: out.full.create.rps / out.bare.create.rps, cachedGet: out.full.get.rps / out.bare.get.rps };
  out.spread = {
    create: [Math.min(...creates.ratios), Math.max(...creates.ratios)],
    cachedGet: [Math.min(...gets.ratios), Math.max(...gets.ratios)],
  };

  const listOwner = randomUUID();
  const cursors = LIST_TASKS > 0 ? await seedList(fullUrl, listOwner, LIST_TASKS) : {};
  const lh = { authorization: `Bearer ${jwt(listOwner)}` };
  out.list = { tasks: LIST_TASKS };
  for (const [sort, cursor] of Object.entries(cursors)) {
    const { first, last } = await pageLatency(
      `http://127.0.0.1:${apiPort}/api/v1/tasks?limit=20&sort=${sort}`,
      `http://127.0.0.1:${apiPort}/api/v1/tasks?limit=20&sort=${sort}&cursor=${cursor}`,
      lh,
    );
    const check = await (
      await fetch(`http://127.0.0.1:${apiPort}/api/v1/tasks?limit=20&sort=${sort}&cursor=${cursor}`, { headers: lh })
    ).json();
    out.list[sort] = {
      firstP50: first.p50,
      lastP50: last.p50,
      firstP99: first.p99,
      lastP99: last.p99,
      ratio: last.p50 / first.p50,
      lastPageItems: check.items.length,
      lastNextCursor: check.nextCursor,
    };
  }
  for (const c of children) await stop(c);
  children.length = 0;
} finally {
  for (const c of children) await stop(c);
  await dropDb(bareDb).catch(() => undefined);
  await dropDb(fullDb).catch(() => undefined);
  if (BEFORE) await dropDb(beforeDb).catch(() => undefined);
}

const f = (x, digits = 0) => x.toFixed(digits).padStart(7);
console.log(
  `bench/tasks  ${out.when}  node ${out.node}  ${CONNECTIONS} connections, ${DURATION} s per phase and server in ${SLICES} alternating slices, 127.0.0.1, worker ${WORKER_IN_API ? 'inside the API' : 'in its own process, started after the POST phase'}`,
);
console.log(`                          req/s      p50 ms   p99 ms  main thread busy  CPU µs/request`);
const busy = (s) =>
  s.mainBusy === undefined
    ? ''
    : `${(s.mainBusy * 100).toFixed(0).padStart(14)}%  ${f(s.cpuPerRequestUs, 1).padStart(14)}`;
for (const [k, label] of [
  ['create', 'POST /tasks'],
  ['get', 'GET /tasks/:id (cached)'],
]) {
  console.log(
    `${label.padEnd(24)} bare ${f(out.bare[k].rps)} ${f(out.bare[k].p50, 1)} ${f(out.bare[k].p99, 1)} ${busy(out.bare[k])}`,
  );
  console.log(
    `${''.padEnd(24)} full ${f(out.full[k].rps)} ${f(out.full[k].p50, 1)} ${f(out.full[k].p99, 1)} ${busy(out.full[k])}   non-2xx ${out.full[k].non2xx}`,
  );
  if (out.before)
    console.log(
      `${''.padEnd(20)} before ${f(out.before[k].rps)} ${f(out.before[k].p50, 1)} ${f(out.before[k].p99, 1)} ${busy(out.before[k])}   non-2xx ${out.before[k].non2xx}`,
    );
}
if (out.before?.get.cpuPerRequestUs) {
  const change = (k) => `${((out.full[k].cpuPerRequestUs / out.before[k].cpuPerRequestUs - 1) * 100).toFixed(1)}%`;
  console.log(
    `full against before (${BEFORE}), CPU per request: POST ${change('create')}, cached GET ${change('get')}; req/s full/before: POST ${(out.full.create.rps / out.before.create.rps).toFixed(2)}, cached GET ${(out.full.get.rps / out.before.get.rps).toFixed(2)}`,
  );
}
const spread = ([lo, hi]) => `slices ${lo.toFixed(2)}..${hi.toFixed(2)}`;
console.log(
  `ratio full/bare: POST ${out.ratio.create.toFixed(2)} (target >= 0.40; ${spread(out.spread.create)}), cached GET ${out.ratio.cachedGet.toFixed(2)} (target >= 0.50; ${spread(out.spread.cachedGet)})`,
);
if (out.full.get.cpuPerRequestUs) {
  const cpuRatio = (k) => (out.bare[k].cpuPerRequestUs / out.full[k].cpuPerRequestUs).toFixed(2);
  console.log(
    `CPU per request bare/full: POST ${cpuRatio('create')}, cached GET ${cpuRatio('get')} (what req/s full/bare tends to when both servers' main threads are busy)`,
  );
}
for (const [sort, l] of Object.entries(out.list).filter(([k]) => k !== 'tasks')) {
  console.log(
    `list ${LIST_TASKS} tasks sort=${sort.padEnd(10)} first p50 ${l.firstP50.toFixed(2)} ms, last p50 ${l.lastP50.toFixed(2)} ms (x${l.ratio.toFixed(2)}, target <= 1.5); p99 ${l.firstP99.toFixed(2)} / ${l.lastP99.toFixed(2)} ms; last page ${l.lastPageItems} items, nextCursor ${l.lastNextCursor}`,
  );
}
if (process.env.BENCH_JSON) console.log(JSON.stringify(out));
