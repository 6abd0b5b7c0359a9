// npm run bench:instructions — instructions per cached GET /api/v1/tasks/:id on the server's main
// thread, counted by valgrind's callgrind, for bench/tasks' bare server and the built API (info
// logs, default tracing exporting to a stand-in collector, as in bench/tasks). Unlike req/s, the
// count does not move with the machine's load, so it tells apart changes of a few percent
// (docs/decisions/0058). V8 runs with --predictable (compilation and GC on the main thread; both
// are reported apart, not counted). WINDOWS windows (default 3) of N requests (1500, 4 at a time)
// after WARMUP (8000); the window with the least compilation is the figure.
//   INSTR_OFF=1            also the API with logs and tracing off
//   INSTR_VARIANT='K=v …'  also the API with these settings changed (e.g. OTEL_TRACES_SAMPLER=always_on)
//   INSTR_BARE=0           skip the bare server
//   INSTR_TOP=40           where the API's (or the variant's) instructions go, by function: JavaScript
//                          named from V8's --perf-basic-prof map; INSTR_INCLUSIVE=1 with their callees
//   INSTR_KEEP=1           keep the callgrind dumps (and the code map) for callgrind_annotate
// Needs valgrind and the local PostgreSQL and Redis; about four minutes per server.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedReadFixture } from '../support/cached-read.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const WARMUP = Number(process.env.WARMUP ?? 8000);
const N = Number(process.env.N ?? 1500);
const WINDOWS = Number(process.env.WINDOWS ?? 3);
const TOP = Number(process.env.INSTR_TOP ?? 0);
const INCLUSIVE = process.env.INSTR_INCLUSIVE === '1';
const ADMIN_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'bench-secret-bench-secret-bench-secret!!';
// valgrind names its control files after HOST; the API reads HOST as its listen address.
const HOST = '127.0.0.1';

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('bench:instructions needs valgrind (apt-get install valgrind)');
  process.exit(1);
}

const {
  dbUrl,
  path: taskPath,
  headers,
  drop,
} = await cachedReadFixture({ adminUrl: ADMIN_URL, db: `bench_instr_${process.pid}`, secret: SECRET });
const work = mkdtempSync(path.join(tmpdir(), 'bench-instr-'));
const sink = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});

try {
  await new Promise((r) => sink.listen(0, HOST, r));

  const apiEnv = {
    DATABASE_URL: dbUrl,
    REDIS_URL,
    JWT_SECRET: SECRET,
    HOST,
    MIGRATE_ON_START: 'false',
    RUN_WORKER_IN_API: 'false',
    NODE_ENV: 'production',
  };
  // Spans leave in full batches, as under real load: the 5 s export timer would fire a hundred
  // times more often per request under valgrind.
  const traced = {
    LOG_LEVEL: 'info',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://${HOST}:${sink.address().port}`,
    OTEL_BSP_SCHEDULE_DELAY: '600000',
  };
  // INSTR_VARIANT='KEY=value ...': the full configuration with these settings changed, measured too.
  const variant = Object.fromEntries(
    (process.env.INSTR_VARIANT ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  const traceArgs = ['--import', './dist/libs/platform/src/tracing/register.js', 'dist/apps/api/src/main.js'];
  const servers = [
    ...(process.env.INSTR_BARE === '0'
      ? []
      : [
          {
            name: 'bare server',
            args: ['bench/tasks/bare-server.mjs'],
            env: { DATABASE_URL: dbUrl, REDIS_URL },
            bare: true,
          },
        ]),
    {
      name: 'API, info logs + tracing',
      args: traceArgs,
      env: { ...apiEnv, ...traced },
      top: !process.env.INSTR_VARIANT,
    },
    ...(process.env.INSTR_VARIANT
      ? [{ name: 'API, variant', args: traceArgs, env: { ...apiEnv, ...traced, ...variant }, top: true }]
      : []),
    ...(process.env.INSTR_OFF
      ? [
          {
            name: 'API, logs + tracing off',
            args: ['dist/apps/api/src/main.js'],
            env: { ...apiEnv, LOG_LEVEL: 'silent', OTEL_SDK_DISABLED: 'true' },
          },
        ]
      : []),
  ];

  const results = [];
  let port = 4600 + (process.pid % 1000);
  for (const server of servers) {
    results.push(await measure(server, port++, taskPath, headers));
    const r = results.at(-1);
    console.log(
      `${server.name.padEnd(28)} ${r.clean.toFixed(1).padStart(7)} k instructions/request  (besides: GC ${r.gc.toFixed(1)}k, compilation ${r.jit.toFixed(1)}k; window ${r.window} of ${WINDOWS})`,
    );
  }
  const [api, bare, shown] = [
    results.find((r) => r.server.name.startsWith('API, info')),
    results.find((r) => r.server.bare),
    results.find((r) => r.server.top),
  ];
  if (bare) console.log(`\nAPI / bare: ${(api.clean / bare.clean).toFixed(2)}x the instructions per request`);
  if (TOP) {
    console.log(
      `\nwhere the ${shown.server.name}'s instructions go (window ${shown.window}, k per request, ${INCLUSIVE ? 'inclusive' : 'exclusive'}):`,
    );
    for (const [name, k] of shown.top) console.log(`${k.toFixed(2).padStart(8)}  ${name}`);
  }
} finally {
  sink.close();
  if (!process.env.INSTR_KEEP) rmSync(work, { recursive: true, force: true });
  else console.log(`callgrind dumps kept in ${work}`);
  await drop();
}

async function measure(server, port, urlPath, headers) {
  const out = path.join(work, server.name.replace(/\W+/g, '-'));
  const args = [
    '--tool=callgrind',
    '--instr-atstart=no',
    '--separate-threads=yes',
    '--smc-check=all-non-file',
    `--callgrind-out-file=${out}.%p`,
    process.execPath,
    '--predictable',
    ...(TOP && server.top ? ['--perf-basic-prof', '--no-logfile-per-isolate', `--logfile=${out}.v8.log`] : []),
    ...server.args,
  ];
  const env = { ...process.env, ...server.env, HOST, PORT: String(port) };
  const child = spawn('valgrind', args, { cwd: root, env, stdio: 'ignore' });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const get = () =>
    new Promise((resolve, reject) => {
      const req = http.get({ host: HOST, port, path: urlPath, headers, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', reject);
    });
  const burst = async (n) => {
    let left = n;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (left-- > 0) {
          const status = await get();
          if (status !== 200) throw new Error(`${server.name}: status ${status}`);
        }
      }),
    );
  };
  const control = (...a) =>
    execFileSync('callgrind_control', [...a, String(child.pid)], { env: { ...process.env, HOST }, stdio: 'ignore' });
  try {
    for (
      const started = Date.now();
      !(await get().then(
        (s) => s === 200,
        () => false,
      ));
    ) {
      if (Date.now() - started > 300_000) throw new Error(`${server.name}: no 200 within 300 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
    await burst(WARMUP);
    control('-i', 'on');
    const windows = [];
    for (let w = 1; w <= WINDOWS; w++) {
      control('-z');
      await burst(N);
      control('-d');
      const suffix = `.${w}-01`;
      let file;
      for (
        let k = 0;
        k < 240 &&
        !(file = readdirSync(work)
          .map((f) => path.join(work, f))
          .find((f) => f.startsWith(out) && f.endsWith(suffix)));
        k++
      )
        await new Promise((r) => setTimeout(r, 500));
      if (!file) throw new Error(`${server.name}: no callgrind dump`);
      await new Promise((r) => setTimeout(r, 500));
      windows.push({ window: w, file, ...count(file) });
    }
    const best = windows.reduce((a, b) => (b.jit < a.jit ? b : a));
    return {
      ...best,
      server,
      top: TOP && server.top ? top(best.file, child.pid).map(([name, ir]) => [name, ir / N / 1000]) : [],
    };
  } finally {
    agent.destroy();
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
  }
}

/** Instructions per request in one dump: total minus GC and compilation. */
function count(file) {
  const total = Number(readFileSync(file, 'utf8').match(/^(?:summary|totals): (\d+)/m)[1]);
  const inclusive = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], {
    maxBuffer: 1 << 28,
  }).toString();
  const incl = (fn) => {
    const m = inclusive.match(
      new RegExp(`^\\s*([\\d,]+) \\([^)]*\\)\\s+\\?\\?\\?:${fn.replace(/[()]/g, '\\$&')}`, 'm'),
    );
    return m ? Number(m[1].replace(/,/g, '')) : 0;
  };
  const gc = incl('v8::internal::Heap::CollectGarbage(');
  // Optimising (with --predictable, synchronous), on-stack-replacement, lazy and baseline
  // compilation, and deoptimisation: the runtime entries, each counted with what it calls.
  const jit = [
    'CompileOptimized(',
    'CompileOptimizedOSR(',
    'CompileLazy(',
    'CompileBaseline(',
    'InstallBaselineCode(',
    'NotifyDeoptimized(',
  ].reduce((s, fn) => s + incl(`v8::internal::Runtime_${fn}`), 0);
  const k = (x) => x / N / 1000;
  return { clean: k(total - gc - jit), gc: k(gc), jit: k(jit) };
}

/** Exclusive instructions by function, V8's anonymous code addresses named from /tmp/perf-<pid>.map. */
function top(file, pid) {
  const mapFile = `/tmp/perf-${pid}.map`;
  const map = existsSync(mapFile)
    ? readFileSync(mapFile, 'utf8')
        .split('\n')
        .map((l) => l.match(/^([0-9a-f]+) ([0-9a-f]+) (.*)$/))
        .filter(Boolean)
        .map((m) => ({ start: parseInt(m[1], 16), end: parseInt(m[1], 16) + parseInt(m[2], 16), name: m[3] }))
        .sort((a, b) => a.start - b.start)
    : [];
  const name = (addr) => {
    let lo = 0,
      hi = map.length - 1,
      best;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (map[mid].start <= addr) {
        best = map[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best && addr < best.end
      ? best.name.replace(`file://${root}`, '').replace(`${root}node_modules/`, '')
      : `code at 0x${addr.toString(16)}`;
  };
  const by = new Map();
  for (const line of execFileSync(
    'callgrind_annotate',
    [`--inclusive=${INCLUSIVE ? 'yes' : 'no'}`, '--threshold=99', file],
    { maxBuffer: 1 << 28 },
  )
    .toString()
    .split('\n')) {
    const m = line.match(/^\s*([\d,]+) \([^)]*\)\s+(.*)$/);
    if (!m || m[2].includes('PROGRAM TOTALS')) continue;
    const jsAddr = m[2].match(/^\?\?\?:0x([0-9a-f]+) \[\?\?\?\]/);
    const fn = jsAddr
      ? name(parseInt(jsAddr[1], 16))
      : m[2]
          .replace(/^\?\?\?:/, '')
          .replace(/\(.*$/, '')
          .replace(/ \[[^\]]*\]$/, '');
    by.set(fn, (by.get(fn) ?? 0) + Number(m[1].replace(/,/g, '')));
  }
  if (process.env.INSTR_KEEP) renameSync(mapFile, `${file}.map`);
  else rmSync(mapFile, { force: true });
  return [...by].sort((a, b) => b[1] - a[1]).slice(0, TOP);
}
