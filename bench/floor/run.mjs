// npm run bench:floor: where a cached read's time goes, as server CPU per request (from /proc)
// and req/s under autocannon (16 connections, DURATION s, default 6; ROUNDS, default 2, rotate
// the order). Servers: Fastify alone and Nest on Fastify answering a constant (the frameworks'
// floors); bench/tasks' bare server doing the cached GET (one Redis GET); the built API's
// GET /health, and its cached GET /api/v1/tasks/:id with logs and tracing off, then with info logs
// and default tracing exporting to a stand-in collector (bench/tasks' configuration).
// Needs the local PostgreSQL and Redis; creates and drops its own database.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { cachedReadFixture } from '../support/cached-read.mjs';
import { processCpu } from '../support/proc-cpu.mjs';
import { freePort } from '../support/free-port.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const DURATION = Number(process.env.DURATION ?? 6);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const ADMIN_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'bench-secret-bench-secret-bench-secret!!';

const {
  dbUrl,
  path: taskPath,
  headers: auth,
  drop,
} = await cachedReadFixture({ adminUrl: ADMIN_URL, db: `bench_floor_${process.pid}`, secret: SECRET });

const sink = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
await new Promise((r) => sink.listen(0, '127.0.0.1', r));
const api = {
  DATABASE_URL: dbUrl,
  REDIS_URL,
  JWT_SECRET: SECRET,
  HOST: '127.0.0.1',
  MIGRATE_ON_START: 'false',
  RUN_WORKER_IN_API: 'false',
  NODE_ENV: 'production',
  LOG_LEVEL: 'silent',
  OTEL_SDK_DISABLED: 'true',
};
const tracing = ['--import', './dist/libs/platform/src/tracing/register.js'];
const SERVERS = [
  { name: 'Fastify alone, constant', args: ['bench/floor/servers.mjs', 'bare'], path: '/x' },
  { name: 'Nest on Fastify, constant', args: ['bench/floor/servers.mjs', 'nest'], path: '/x' },
  {
    name: 'bare server, cached GET',
    args: ['bench/tasks/bare-server.mjs'],
    env: { DATABASE_URL: dbUrl, REDIS_URL },
    path: taskPath,
  },
  { name: 'API GET /health', args: ['dist/apps/api/src/main.js'], env: api, path: '/health' },
  {
    name: 'API cached GET, logs+tracing off',
    args: ['dist/apps/api/src/main.js'],
    env: api,
    path: taskPath,
    headers: auth,
  },
  {
    name: 'API cached GET, info logs+tracing',
    args: [...tracing, 'dist/apps/api/src/main.js'],
    env: {
      ...api,
      LOG_LEVEL: 'info',
      OTEL_SDK_DISABLED: 'false',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.address().port}`,
    },
    path: taskPath,
    headers: auth,
  },
  { name: 'Nest, constant, 2 global interceptors', args: ['bench/floor/servers.mjs', 'nest-interceptors'], path: '/x' },
];

// FLOOR_ONLY=4,5 measures only those servers (0-based, in the order above); FLOOR_VARIANT='{"name":
// "...", "env": {...}, "tracing": true}' (or an array of them) adds the API cached GET once more per
// variant, with those environment variables on top of the logs+tracing-off configuration (or of
// the logs+tracing one with "tracing": true), to measure one setting's cost in the same run.
const variants = process.env.FLOOR_VARIANT ? [JSON.parse(process.env.FLOOR_VARIANT)].flat() : [];
for (const variant of variants) {
  const base = SERVERS[variant.tracing ? 5 : 4];
  SERVERS.push({ ...base, name: variant.name, env: { ...base.env, ...variant.env } });
}
const only = process.env.FLOOR_ONLY
  ? new Set(
      process.env.FLOOR_ONLY.split(',')
        .map(Number)
        .concat(variants.map((_, i) => SERVERS.length - variants.length + i)),
    )
  : undefined;

async function measure(server) {
  const port = await freePort();
  const child = spawn(process.execPath, server.args, {
    cwd: root,
    env: { ...process.env, ...server.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}${server.path}`;
  for (
    let i = 0;
    !(await fetch(url, { headers: server.headers }).then(
      (r) => r.ok,
      () => false,
    ));
    i++
  ) {
    if (i > 600) throw new Error(`${server.name}: no 200 from ${url}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await autocannon({ url, headers: server.headers, connections: 16, duration: 2 });
  const before = processCpu(child.pid);
  const result = await autocannon({ url, headers: server.headers, connections: 16, duration: DURATION });
  const after = processCpu(child.pid);
  await new Promise((r) => {
    child.on('exit', r);
    child.kill('SIGTERM');
  });
  const n = result.requests.total;
  return {
    rps: result.requests.average,
    user: (after.user - before.user) / n,
    sys: (after.sys - before.sys) / n,
    failed: result.errors + result.non2xx,
  };
}

const results = SERVERS.map(() => []);
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < SERVERS.length; k++) {
      const i = (k + round) % SERVERS.length;
      if (only && !only.has(i)) continue;
      const r = await measure(SERVERS[i]);
      results[i].push(r);
      process.stdout.write(
        `round ${round + 1}  ${SERVERS[i].name.padEnd(36)} ${r.rps.toFixed(0).padStart(6)} req/s  CPU ${(r.user + r.sys).toFixed(1)} µs/request${r.failed ? `  failed ${r.failed}` : ''}\n`,
      );
    }
  }
} finally {
  sink.close();
  await drop();
}
const mean = (xs, f) => xs.reduce((s, x) => s + f(x), 0) / xs.length;
const bareGet = results[2].length ? mean(results[2], (r) => r.rps) : NaN;
process.stdout.write(`\n${'server'.padEnd(36)}  req/s   x bare GET   CPU µs/request (user + sys)\n`);
SERVERS.forEach((s, i) => {
  if (!results[i].length) return;
  const rps = mean(results[i], (r) => r.rps);
  const user = mean(results[i], (r) => r.user);
  const sys = mean(results[i], (r) => r.sys);
  process.stdout.write(
    `${s.name.padEnd(36)} ${rps.toFixed(0).padStart(6)}   ${(rps / bareGet).toFixed(2).padStart(5)}        ${(user + sys).toFixed(1).padStart(5)} (${user.toFixed(1)} + ${sys.toFixed(1)})\n`,
  );
});
