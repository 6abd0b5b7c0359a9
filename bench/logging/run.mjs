// node bench/logging/run.mjs — CPU per request line (µs) for the ways pino could write the API's
// request line, each in its own child process whose stdout is a pipe read by this process (as a
// container runtime reads it). Variants: the destination (sonic-boom writing each line
// synchronously, which stdout-destination.ts uses, against gathering 4 KiB chunks first) and the
// logger (plain, against the root logger's redaction paths and mixin). LINES (default 200,000), ROUNDS (default 3,
// alternating). Relate the figures to a cached read's CPU per request (npm run bench:tasks).
import { spawn } from 'node:child_process';

const LINES = Number(process.env.LINES ?? 200_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const VARIANTS = {
  'a write per line, plain logger': { chunks: false, redact: false },
  '4 KiB chunks, plain logger': { chunks: true, redact: false },
  'a write per line, redaction + mixin (API)': { chunks: false, redact: true },
};

const child = `
import { pino } from 'pino';
const [chunks, redact, lines] = [process.argv[1] === 'true', process.argv[2] === 'true', Number(process.argv[3])];
const destination = chunks ? pino.destination({ dest: 1, sync: true, minLength: 4096, periodicFlush: 500 }) : pino.destination({ dest: 1, sync: true });
const paths = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["idempotency-key"]', 'res.headers["set-cookie"]', 'password', 'accessToken', 'refreshToken', 'token', '*.password', '*.accessToken', '*.refreshToken', '*.token'];
const log = pino({ level: 'info', ...(redact ? { redact: { paths, censor: '[redacted]' }, mixin: () => ({}) } : {}) }, destination);
const line = (i) => log.info({ requestId: '6f1c2a4e-93b1-4b0e-8f7e-' + String(i).padStart(12, '0'), trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7', req: { method: 'GET', url: '/api/v1/tasks/0b7e2c58-3f7a-4d2e-9a51-2f0c1d3e4b5a' }, res: { statusCode: 200 }, responseTime: 3 }, 'request completed');
for (let i = 0; i < 20000; i++) line(i);
const start = process.cpuUsage();
for (let i = 0; i < lines; i++) line(i);
destination.flushSync();
const used = process.cpuUsage(start);
process.stderr.write(JSON.stringify({ us: (used.user + used.system) / lines }) + '\\n');
`;

function run({ chunks, redact }) {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      ['--input-type=module', '-e', child, String(chunks), String(redact), String(LINES)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    p.stdout.resume();
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(err.trim().split('\n').pop()).us) : reject(new Error(err)),
    );
  });
}

const results = Object.fromEntries(Object.keys(VARIANTS).map((k) => [k, []]));
for (let round = 0; round < ROUNDS; round++) {
  const names = round % 2 === 0 ? Object.keys(VARIANTS) : Object.keys(VARIANTS).reverse();
  for (const name of names) results[name].push(await run(VARIANTS[name]));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `bench/logging  ${new Date().toISOString()}  node ${process.version}  ${LINES} lines, ${ROUNDS} rounds; CPU µs per line, median (all rounds)`,
);
for (const [name, us] of Object.entries(results))
  console.log(`${name.padEnd(40)} ${median(us).toFixed(2).padStart(6)}  (${us.map((u) => u.toFixed(2)).join(', ')})`);
