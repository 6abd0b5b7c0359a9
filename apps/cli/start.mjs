// `npm start` / `npm run start:worker`: builds when the sources are newer than dist/, then runs
// the compiled app in this process (no ts-node, no watch mode).
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const app = process.argv[2] ?? 'api';
const entry = path.join(root, 'dist', 'apps', app, 'src', 'main.js');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'generated') continue;
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

const sources = Math.max(...['apps', 'libs', 'prisma'].map((d) => newest(path.join(root, d))));
if (!existsSync(entry) || statSync(entry).mtimeMs < sources) {
  process.stderr.write('building (sources changed since the last build)...\n');
  execSync('npm run build --silent', { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}
await import(pathToFileURL(entry).href);
