import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type EngineContext, startEngineContext } from '../../../../test/support/events-fixtures';
import { waitFor } from '../../../../test/support/free-port';
import { realPostgresUrl } from '../../../../test/support/services';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** Starts a real worker process (the engine and the test consumers) on `url`. */
async function startWorker(url: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', './test/support/ts-register.mjs', 'test/support/engine-worker.ts'],
    {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(
    async () =>
      out.includes('ready') ? true : child.exitCode !== null ? Promise.reject(new Error('worker exited')) : undefined,
    30_000,
    'the worker to start',
  );
  return child;
}

// Two worker processes on one database: each consumer runs on one of them; SIGKILL the one that
// holds the consumers and the other takes over within seconds.
(realPostgresUrl() ? describe : describe.skip)('two workers, one killed (needs the real PostgreSQL)', () => {
  let t: EngineContext;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    // This context only writes: its own engine gets no consumers.
    t = await startEngineContext('postgres', {}, []);
  }, 60_000);
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await t?.close();
  });

  const holders = async () => {
    const { rows } = await t.pool.query<{ app: string; n: string }>(
      `SELECT a.application_name AS app, count(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database() GROUP BY 1`,
    );
    return new Map(rows.map((r) => [r.app, Number(r.n)]));
  };
  const caughtUp = async (n: number) =>
    waitFor(
      async () => {
        const p = await t.projected();
        return p.total === n && p.distinct === n ? true : undefined;
      },
      30_000,
      `${n} events projected`,
    );

  it('keeps projecting, exactly once, after the worker that holds the consumers is killed', async () => {
    const a = await startWorker(t.url);
    children.push(a);
    await waitFor(
      async () => ((await holders()).get(`task-backend-events:${a.pid}`) === 2 ? true : undefined),
      15_000,
      'worker A to hold both consumers',
    );
    const b = await startWorker(t.url);
    children.push(b);

    await Promise.all(Array.from({ length: 8 }, () => t.write(5)));
    await caughtUp(40);
    expect((await holders()).get(`task-backend-events:${b.pid}`)).toBeUndefined(); // B waits its turn

    // Writes keep coming while A dies.
    const writing = Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 5; i++) {
          await t.write(2);
          await new Promise((r) => setTimeout(r, 50));
        }
      }),
    );
    a.kill('SIGKILL');
    await once(a, 'exit');
    const killedAt = Date.now();
    await waitFor(
      async () => ((await holders()).get(`task-backend-events:${b.pid}`) === 2 ? true : undefined),
      10_000,
      'worker B to take over',
    );
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    await writing;
    await caughtUp(120);
    b.kill('SIGTERM');
    await once(b, 'exit');
  }, 90_000);
});
