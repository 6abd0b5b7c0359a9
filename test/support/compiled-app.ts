import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_JWT_SECRET } from './services';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Builds dist/ when stale (shared lock with `npm start`), for tests that spawn the compiled app. */
export function ensureBuilt(): void {
  const result = spawnSync(
    process.execPath,
    ['-e', `import('./apps/cli/ensure-built.mjs').then((m) => m.ensureBuilt('api'))`],
    { cwd: root, encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`build failed: ${result.stderr}${result.stdout}`);
}

export interface Spawned {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Runs node with `args`; with a DATABASE_URL the app needs a JWT_SECRET, so the tests' one is the default. */
export function spawnNode(args: string[], env: NodeJS.ProcessEnv): Spawned {
  const withSecret = env.DATABASE_URL && !env.JWT_SECRET ? { ...env, JWT_SECRET: TEST_JWT_SECRET } : env;
  const child = spawn(process.execPath, args, { cwd: root, env: withSecret, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}
