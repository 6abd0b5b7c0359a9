import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { root } from '../support/compiled-app';
import { startTestApp, type TestApp } from '../support/test-app';

/** README's "A tour with curl" block, pointed at `base`, with its own email and key so runs never collide. */
function readmeTour(base: string, email: string): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## A tour with curl'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1];
  expect(block).toContain('http://localhost:3000');
  return block
    .replaceAll('http://localhost:3000', base)
    .replaceAll('ada@example.com', email)
    .replaceAll('tour-task-1', `tour-${email}`);
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ RUN_WORKER_IN_API: 'true', EVENTS_POLL_INTERVAL_MS: '50' });
}, 60_000);
afterAll(() => t?.close());

describe("README's curl tour", () => {
  it('runs as written: signup, login, a keyed POST, and a read-your-writes GET of the task with its ETag', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tb-tour-'));
    try {
      const email = `tour-${Date.now()}@example.com`;
      // Asynchronously: the API answers from this very process.
      const run = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) =>
        execFile(
          'bash',
          ['-e', '-o', 'pipefail', '-c', readmeTour(t.baseUrl, email)],
          { cwd: dir, encoding: 'utf8', timeout: 60_000 },
          (err, stdout, stderr) => resolve({ status: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        ),
      );
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const [signup, created, ...read] = run.stdout.split('\n');
      expect(JSON.parse(signup)).toMatchObject({ name: 'Ada', email });
      const task = JSON.parse(created);
      expect(task).toMatchObject({ title: 'Fix the login bug', priority: 'high', version: 1 });
      const response = read.join('\n');
      expect(response).toMatch(/^HTTP\/1\.1 200 OK\r$/m);
      expect(response).toMatch(/^etag: "1\.\d+"\r$/m);
      expect(JSON.parse(response.slice(response.indexOf('{')))).toMatchObject({
        id: task.id,
        title: 'Fix the login bug',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
