// npm run bench:startup — time from process start to the first 200 from /ready on the embedded
// database: first start on a new data folder, and restart on kept data. Baseline, measured in
// the same run: a bare node:http server's time to its first answer. Needs a build (npm run
// bench:startup builds first).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/free-port.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const RUNS = Number(process.env.RUNS ?? 5);

async function timeToOk(args, env, url) {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: 'ignore' });
  for (;;) {
    const ok = await fetch(url).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (performance.now() - started > 60_000) throw new Error(`no 200 from ${url} within 60 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const elapsed = performance.now() - started;
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  return elapsed;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = { LOG_LEVEL: 'warn', DATABASE_URL: '', REDIS_URL: '' };
const bare = [],
  first = [],
  restart = [],
  viaStart = [];
for (let i = 0; i < RUNS; i++) {
  const port = await freePort();
  bare.push(
    await timeToOk(
      ['-e', `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`],
      {},
      `http://127.0.0.1:${port}/`,
    ),
  );
  const dir = mkdtempSync(path.join(tmpdir(), 'tb-bench-'));
  try {
    const env = { ...base, PORT: String(port), DATA_DIR: dir };
    first.push(await timeToOk(['dist/apps/api/src/main.js'], env, `http://127.0.0.1:${port}/ready`));
    restart.push(await timeToOk(['dist/apps/api/src/main.js'], env, `http://127.0.0.1:${port}/ready`));
    rmSync(dir, { recursive: true, force: true });
    viaStart.push(await timeToOk(['apps/cli/start.mjs', 'api'], env, `http://127.0.0.1:${port}/ready`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const row = (name, xs) =>
  `${name.padEnd(36)} median ${median(xs).toFixed(0).padStart(5)} ms   max ${Math.max(...xs)
    .toFixed(0)
    .padStart(5)} ms   x${(median(xs) / median(bare)).toFixed(1)} bare`;
console.log(`start to first 200, ${RUNS} runs (node ${process.version})`);
console.log(row('bare node:http (baseline)', bare));
console.log(row('API /ready, first start (new data)', first));
console.log(row('API /ready, restart (kept data)', restart));
console.log(row('npm start (start.mjs), first start', viaStart));
