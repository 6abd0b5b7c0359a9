// npm run bench:tracing: throughput of the compiled API with tracing (OTLP export to a local sink)
// plus info logging (one line per request, to /dev/null), against the same build with both off.
// Load: autocannon on 127.0.0.1, bounded by BENCH_SECONDS per run; rounds alternate the two modes.
// Route: GET /api/v1/__test/slow?ms=0 (HTTP + one pg query: an HTTP span with a pg child).
// Needs PostgreSQL (TEST_DATABASE_URL or postgresql://postgres@127.0.0.1:5432/test); a scratch
// database is created and dropped.
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { ensureBuilt, root } from '../../apps/cli/ensure-built.mjs';
import { processCpu } from '../support/proc-cpu.mjs';
import { freePort } from '../support/free-port.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

const entry = ensureBuilt('api');
const register = pathToFileURL(path.join(root, 'dist/libs/platform/src/tracing/register.js')).href;

const dbName = `tb_bench_${process.pid}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE "${dbName}"`);
const dbUrl = new URL(adminUrl);
dbUrl.pathname = `/${dbName}`;

// A stand-in OTLP/HTTP collector: accepts and counts the exported batches.
let exportedBytes = 0;
let exportedBatches = 0;
const sink = http.createServer((req, res) => {
  req.on('data', (d) => (exportedBytes += d.length));
  req.on('end', () => {
    exportedBatches++;
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
await new Promise((r) => sink.listen(0, '127.0.0.1', r));
const sinkUrl = `http://127.0.0.1:${sink.address().port}`;

/** CPU time (user + system) the process has used so far, in ms. */
function cpuMs(pid) {
  const { user, sys } = processCpu(pid);
  return (user + sys) / 1000;
}

async function measure(mode) {
  const port = await freePort();
  const on = mode.includes('+info-logs');
  const tracing = mode.startsWith('tracing');
  const logs = on || mode === 'logs-only';
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: dbUrl.toString(),
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret',
    MIGRATE_ON_START: 'true',
    RUN_WORKER_IN_API: 'false',
    TEST_SLOW_ROUTE: 'true',
    LOG_LEVEL: logs ? 'info' : 'silent',
    OTEL_SDK_DISABLED: tracing ? 'false' : 'true',
    OTEL_EXPORTER_OTLP_ENDPOINT: mode === 'tracing-noexport' ? '' : sinkUrl,
    // tracing-full...: every request recorded; otherwise the default sampler (parent-based, 10%).
    // tracing-unsampled: the SDK on but nothing recorded (the cost every unsampled request pays).
    OTEL_TRACES_SAMPLER: mode.startsWith('tracing-full')
      ? 'always_on'
      : mode === 'tracing-unsampled'
        ? 'always_off'
        : '',
    NODE_ENV: 'production',
  };
  delete env.REDIS_URL;
  const args = tracing ? ['--import', register, entry] : [entry];
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${url}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 300) throw new Error(`${mode}: app not ready`);
    await sleep(100);
  }
  const target = `${url}/api/v1/__test/slow?ms=0`;
  await autocannon({ url: target, connections: CONNECTIONS, duration: 2 }); // warm-up (JIT, pool)
  const cpuBefore = cpuMs(child.pid);
  const result = await autocannon({ url: target, connections: CONNECTIONS, duration: SECONDS });
  const cpuPerRequestUs = ((cpuMs(child.pid) - cpuBefore) * 1000) / result.requests.total;
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  const errors = result.errors + result.non2xx;
  return { mode, rps: result.requests.average, p99ms: result.latency.p99, errors, cpuPerRequestUs };
}

const MODES = ['baseline', 'tracing+info-logs', 'tracing-full+info-logs'];
const results = Object.fromEntries(MODES.map((m) => [m, []]));
if (process.env.BENCH_MODES) {
  // Diagnosis: BENCH_MODES=baseline,tracing-only,tracing-unsampled,logs-only,tracing+info-logs measures each once.
  for (const mode of process.env.BENCH_MODES.split(',')) {
    const r = await measure(mode);
    process.stdout.write(
      `${mode.padEnd(18)} ${r.rps.toFixed(0).padStart(6)} req/s  p99 ${r.p99ms} ms  errors ${r.errors}  server CPU ${r.cpuPerRequestUs.toFixed(0)} us/request  exported so far ${exportedBytes} bytes\n`,
    );
  }
  sink.close();
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.end();
  process.exit(0);
}
try {
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order so no mode always runs first (or last) in a round.
    for (const mode of MODES.map((_, i) => MODES[(i + round) % MODES.length])) {
      const r = await measure(mode);
      results[mode].push(r);
      process.stdout.write(
        `round ${round + 1} ${mode.padEnd(22)} ${r.rps.toFixed(0).padStart(6)} req/s  p99 ${r.p99ms} ms  errors ${r.errors}  server CPU ${r.cpuPerRequestUs.toFixed(0)} us/request\n`,
      );
    }
  }
} finally {
  sink.close();
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.end();
}
const mean = (xs) => xs.reduce((a, r) => a + r.rps, 0) / xs.length;
const cpu = (xs) => xs.reduce((a, r) => a + r.cpuPerRequestUs, 0) / xs.length;
const base = results.baseline;
const line = (label, xs) =>
  `${label.padEnd(44)} ${mean(xs).toFixed(0).padStart(6)} req/s  ratio ${(mean(xs) / mean(base)).toFixed(3)}  CPU ${cpu(xs).toFixed(0)} us/request  CPU-efficiency ratio ${(cpu(base) / cpu(xs)).toFixed(3)}\n`;
const ratio = mean(results['tracing+info-logs']) / mean(base);
process.stdout.write(
  `\n${line('baseline (tracing off, logs off)', base)}` +
    line('tracing (default sampling) + info logs', results['tracing+info-logs']) +
    line('tracing (every request recorded) + info logs', results['tracing-full+info-logs']) +
    `spans exported to the stand-in collector: ${exportedBatches} batches, ${exportedBytes} bytes\n` +
    `throughput ratio, default configuration: ${ratio.toFixed(3)} (target >= 0.85) ${ratio >= 0.85 ? 'OK' : 'BELOW TARGET'}\n` +
    `(CPU-efficiency ratio = baseline CPU per request / traced CPU per request; less sensitive to other load on the machine)\n`,
);
if (
  Object.values(results)
    .flat()
    .some((r) => r.errors)
)
  process.stdout.write('note: some requests failed; see the error counts above\n');
