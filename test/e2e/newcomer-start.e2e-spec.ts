import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '../support/free-port';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** README's start command, as a newcomer runs it: no DATABASE_URL, no REDIS_URL. */
function start(
  dataDir: string,
  port: number,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info' };
  for (const key of ['DATABASE_URL', 'REDIS_URL', 'MIGRATE_ON_START', 'RUN_WORKER_IN_API']) delete env[key];
  const child = spawn(process.execPath, ['apps/cli/start.mjs', 'api'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function status(url: string): Promise<number | undefined> {
  return (await fetch(url).catch(() => undefined))?.status;
}

describe('npm start on the embedded database', () => {
  it('serves /health and /ready, stops cleanly on SIGTERM, and starts again on the kept data', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'tb-data-'));
    try {
      const port = await freePort();
      const first = start(dataDir, port);
      await waitFor(
        async () => ((await status(`http://127.0.0.1:${port}/ready`)) === 200 ? true : undefined),
        200_000,
        'first start',
      );
      expect(await status(`http://127.0.0.1:${port}/health`)).toBe(200);
      // Log lines reach stdout within the logger's flush interval (500 ms).
      const firstLines = await waitFor(
        async () => {
          const lines = first
            .output()
            .split('\n')
            .filter((l) => l.startsWith('{'));
          return lines.length ? lines : undefined;
        },
        5_000,
        'first log line',
      );
      expect(JSON.parse(firstLines[0])).toMatchObject({
        msg: 'starting with these backends',
        database: expect.stringContaining('embedded PostgreSQL'),
        redis: expect.stringContaining('in-process'),
      });
      await fetch(`http://127.0.0.1:${port}/api/v1/nothing`, {
        headers: { 'x-request-id': 'trace-me-123', authorization: 'Bearer s3cret-token' },
      });
      const requestLine = await waitFor(
        async () =>
          first
            .output()
            .split('\n')
            .find((l) => l.includes('trace-me-123')),
        5_000,
        'request log line',
      );
      expect(JSON.parse(requestLine)).toMatchObject({
        requestId: 'trace-me-123',
        res: { statusCode: 404 },
        msg: 'request completed',
      });
      expect(first.output()).not.toContain('s3cret-token');
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);

      const second = start(dataDir, port);
      await waitFor(
        async () => ((await status(`http://127.0.0.1:${port}/ready`)) === 200 ? true : undefined),
        60_000,
        'restart',
      );
      expect(second.output()).not.toMatch(/applied [1-9]\d* migration\(s\)/);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});
