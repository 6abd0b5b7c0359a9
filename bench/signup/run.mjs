// bench/signup: 50 concurrent clients sign up while one client reads its tasks (GET /api/v1/tasks).
// Reports signups/s as a ratio of the bcrypt bound (cores / one hash's time, measured here in the
// same run) and the reads' p99 during the storm against their p99 when idle.
// Run: npm run bench:signup   (env: BENCH_CLIENTS=50 BENCH_SECONDS=20 BENCH_IDLE_SECONDS=5 BCRYPT_COST=12
//      BENCH_ADMIN_URL=postgresql://postgres@127.0.0.1:5432/postgres, SIGNUP_HASH_CONCURRENCY passed through)
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import bcrypt from 'bcrypt';
import pg from 'pg';
import { freePort } from '../support/free-port.mjs';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 5);
const COST = Number(process.env.BCRYPT_COST ?? 12);
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const cores = os.availableParallelism();

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};
const ms = (x) => `${x.toFixed(1)} ms`;

async function database() {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-signup-'));
    return {
      env: { DATA_DIR: dir },
      url: undefined,
      drop: () => rm(dir, { recursive: true, force: true }),
      kind: 'embedded PGlite',
    };
  }
  const name = `tb_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: u.toString(), MIGRATE_ON_START: 'true' },
    url: u.toString(),
    kind: 'PostgreSQL',
    drop: async () => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

async function startApi(dbEnv, port) {
  const child = spawn(process.execPath, ['dist/apps/api/src/main.js'], {
    env: {
      ...process.env,
      ...dbEnv,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      JWT_SECRET: process.env.JWT_SECRET ?? randomBytes(32).toString('base64url'),
      BCRYPT_COST: String(COST),
      LOGIN_RATE_LIMIT_PER_IP: '1000000',
      RUN_WORKER_IN_API: 'true', // the users_read projector runs in the API, as in single-instance mode
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
    if ((await fetch(`${base}/ready`).catch(() => undefined))?.status === 200) return { child, base };
    await sleep(100);
  }
  throw new Error('the API did not become ready');
}

const post = (base, route, body) =>
  fetch(`${base}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function readLoop(base, authorization, until) {
  const latencies = [];
  let errors = 0;
  while (Date.now() < until()) {
    const started = performance.now();
    const res = await fetch(`${base}/api/v1/tasks?limit=20`, { headers: { authorization } });
    await res.arrayBuffer();
    latencies.push(performance.now() - started);
    if (res.status !== 200) errors++;
    await sleep(5); // a steady reader, not a second load generator
  }
  return { latencies, errors };
}

async function main() {
  // 1. The bcrypt bound, measured on this machine before and after the storm: cores / one hash's time.
  await bcrypt.hash('warm-up', 4);
  const samples = [];
  const measureHash = async () => {
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      await bcrypt.hash('correct horse battery staple', COST);
      samples.push(performance.now() - started);
    }
  };
  await measureHash();

  const db = await database();
  const port = await freePort();
  const { child, base } = await startApi(db.env, port);
  try {
    // A reader account; its first read waits (X-Consistency-Token) until users_read has it.
    const email = `reader-${randomUUID()}@bench.test`;
    const signed = await post(base, '/api/v1/signup', { name: 'Reader', email, password: 'reader password' });
    const consistency = signed.headers.get('x-consistency-token');
    await signed.arrayBuffer();
    const login = await (await post(base, '/api/v1/auth/login', { email, password: 'reader password' })).json();
    const authorization = `Bearer ${login.accessToken}`;
    const first = await fetch(`${base}/api/v1/users/me`, {
      headers: { authorization, ...(consistency ? { 'x-consistency-token': consistency } : {}) },
    });
    if (first.status !== 200) throw new Error(`GET /users/me answered ${first.status}`);
    // The reader's page of tasks: twenty of them.
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${base}/api/v1/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ title: `Reader task ${i}` }),
      });
      if (res.status !== 201) throw new Error(`POST /tasks answered ${res.status}`);
      await res.arrayBuffer();
    }

    // 2. Idle reads.
    const idleEnd = Date.now() + IDLE_SECONDS * 1000;
    const idle = await readLoop(base, authorization, () => idleEnd);

    // 3. The storm: CLIENTS clients signing up back to back, the reader reading throughout.
    let stop = false;
    let created = 0;
    let refused = 0;
    let failed = 0;
    const started = performance.now();
    const stormEnd = Date.now() + SECONDS * 1000;
    const client = async () => {
      while (!stop) {
        const res = await post(base, '/api/v1/signup', {
          name: 'Bench',
          email: `b-${randomUUID()}@bench.test`,
          password: 'bench password 1',
        });
        await res.arrayBuffer();
        if (res.status === 201) {
          if (Date.now() <= stormEnd) created++;
        } else if (res.status === 503) {
          refused++;
          await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
        } else failed++;
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);
    const storm = await readLoop(base, authorization, () => stormEnd);
    stop = true;
    await Promise.all(clients);
    const elapsed = SECONDS;
    void started;
    await measureHash();
    const hashMs = percentile(samples, 50);
    const bound = cores / (hashMs / 1000);

    const rate = created / elapsed;
    const idleP99 = percentile(idle.latencies, 99);
    const stormP99 = percentile(storm.latencies, 99);
    const ratio = rate / bound;
    const readRatio = stormP99 / idleP99;
    const lines = [
      `bench:signup  ${CLIENTS} clients, ${SECONDS}s storm, bcrypt cost ${COST}, ${cores} cores, database: ${db.kind}, hash concurrency: ${process.env.SIGNUP_HASH_CONCURRENCY || cores}, hash thread nice: ${process.env.SIGNUP_HASH_NICE ?? 10}, load average before: ${os.loadavg()[0].toFixed(1)}`,
      `one bcrypt hash (median of 10, before and after the storm, this process): ${ms(hashMs)}  ->  bound = ${cores} / ${(hashMs / 1000).toFixed(3)} s = ${bound.toFixed(2)} signups/s`,
      `signups: ${created} created within the ${elapsed} s window, ${refused} refused (503), ${failed} other = ${rate.toFixed(2)}/s  ->  ratio to bound ${ratio.toFixed(2)} (target >= 0.45) ${ratio >= 0.45 ? 'OK' : 'BELOW TARGET'}`,
      `reads GET /tasks?limit=20: idle p50 ${ms(percentile(idle.latencies, 50))} p99 ${ms(idleP99)} (${idle.latencies.length} reads, ${idle.errors} non-200); storm p50 ${ms(percentile(storm.latencies, 50))} p99 ${ms(stormP99)} (${storm.latencies.length} reads, ${storm.errors} non-200)`,
      `read p99 storm / idle = ${readRatio.toFixed(2)}x (target <= 3x) ${readRatio <= 3 ? 'OK' : 'ABOVE TARGET'}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await db.drop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
