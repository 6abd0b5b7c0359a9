// Builds dist/ when the sources are newer than it. Used by start.mjs, the benchmarks and the
// tests that spawn the compiled app; a lock directory keeps concurrent callers from building twice.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'generated') continue;
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

function stale(entry) {
  const sources = Math.max(...['apps', 'libs', 'prisma'].map((d) => newest(path.join(root, d))));
  return !existsSync(entry) || statSync(entry).mtimeMs < sources;
}

/** What each step of package.json's `build` script does, for the progress lines. */
const STEP_PURPOSES = [
  [/^npm run generate\b/, 'Prisma client from prisma/schema.prisma'],
  [/^tsc -p\b/, 'compiling TypeScript to dist/ (the long step: about a minute on two cores)'],
  [/^tsc-alias\b/, 'rewriting path aliases in dist/'],
  [/embedded-seed\.js$/, 'migrated embedded database for first starts (dist/embedded-seed)'],
];

/**
 * Runs package.json's `build` script one `&&` step at a time, each announced on stderr before it
 * runs and timed when it ends, so a first `npm start` says what it is doing during its minutes.
 * `run` and `write` are for tests.
 */
export function build({
  run = (command, env) => execSync(command, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] }),
  write = (line) => process.stderr.write(line),
  now = Date.now,
} = {}) {
  const steps = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))
    .scripts.build.split('&&')
    .map((s) => s.trim());
  const env = {
    ...process.env,
    PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
  };
  const started = now();
  steps.forEach((step, i) => {
    const purpose = STEP_PURPOSES.find(([pattern]) => pattern.test(step))?.[1];
    write(`build ${i + 1}/${steps.length}: ${purpose ? `${purpose} (${step})` : step}\n`);
    const stepStarted = now();
    run(step, env);
    write(`build ${i + 1}/${steps.length}: done in ${((now() - stepStarted) / 1000).toFixed(1)} s\n`);
  });
  write(`build finished in ${((now() - started) / 1000).toFixed(1)} s\n`);
}

/** Returns the path of dist/apps/<app>/src/main.js, building first when needed. */
export function ensureBuilt(app = 'api') {
  const entry = path.join(root, 'dist', 'apps', app, 'src', 'main.js');
  if (!stale(entry)) return entry;
  const lock = path.join(root, 'dist.build-lock');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) rmSync(lock, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (stale(entry)) {
      process.stderr.write('building (sources changed since the last build)...\n');
      build();
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return entry;
}
