// Builds dist/ when the sources are newer than it. Used by start.mjs, the benchmarks and the
// tests that spawn the compiled app; a lock directory keeps concurrent callers from building twice.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
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
      execSync('npm run build --silent', { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return entry;
}
