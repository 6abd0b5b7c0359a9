import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { migrateDatabase } from '../../libs/platform/src/database/migrations';
import { ensureBuilt, root } from './compiled-app';
import { freePort, waitFor } from './free-port';
import { PrivatePostgres, PrivateRedis } from './private-services';
import { TEST_JWT_SECRET } from './services';

/**
 * The built API and worker as child processes (`dist/apps/<app>/src/main.js`, no wrapper, so a
 * signal reaches the app itself), against a private PostgreSQL cluster and redis-server that the
 * test can stop or kill: the harness of the fault suite (test/faults) and of any test that needs
 * a real crash. Every process and server it starts is stopped by `FaultStack.destroy()`, and
 * SIGKILLed if the test process exits first.
 */

export type AppName = 'api' | 'worker';

export interface LogLine {
  level: number;
  msg?: string;
  time?: number;
  [field: string]: unknown;
}

const running = new Set<ChildProcess>();
const killAll = () => {
  for (const child of running) child.kill('SIGKILL');
};
process.once('exit', killAll);
// An interrupted run (Ctrl-C, a CI timeout) takes its apps with it; the private servers are swept by the next run.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** One run of the API or the worker; `start` again (same port) after a kill to restart it. */
export class AppProcess {
  private child?: ChildProcess;
  private exit?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private out = '';
  /** Output of the runs before the current one (kept across restarts). */
  private earlier = '';
  starts = 0;

  private constructor(
    readonly app: AppName,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Spawns the app on a free port with `env` (over the stack's base environment) and waits until /ready answers 200. */
  static async start(app: AppName, env: NodeJS.ProcessEnv, options: { ready?: boolean } = {}): Promise<AppProcess> {
    const process_ = new AppProcess(app, await freePort(), env);
    await process_.start(options);
    return process_;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return this.child !== undefined;
  }

  async start(options: { ready?: boolean } = {}): Promise<void> {
    if (this.child) throw new Error(`${this.app} is already running`);
    const entry = path.join(root, 'dist', 'apps', this.app, 'src', 'main.js');
    this.earlier += this.out;
    this.out = '';
    const child = spawn(process.execPath, [entry], {
      cwd: root,
      env: { ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    this.child = child;
    this.starts++;
    child.stdout.on('data', (d) => (this.out += d));
    child.stderr.on('data', (d) => (this.out += d));
    this.exit = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        running.delete(child);
        if (this.child === child) this.child = undefined;
        resolve({ code, signal });
      }),
    );
    if (options.ready !== false) await this.waitReady();
  }

  /** Waits until /ready answers 200 (a generous ceiling: a loaded machine starts slowly). */
  async waitReady(timeoutMs = 120_000): Promise<void> {
    const exit = this.exit;
    await waitFor(
      async () => {
        if (!this.child && exit) throw new Error('exited');
        return (await fetch(`${this.baseUrl}/ready`, { signal: AbortSignal.timeout(10_000) })).status === 200
          ? true
          : undefined;
      },
      timeoutMs,
      `${this.app} on port ${this.port} to be ready`,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- ${this.app} output ---\n${this.output().slice(-4_000)}`);
    });
  }

  /** SIGKILL and wait for the exit: a crash, with no shutdown code run. */
  async kill(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGKILL');
    await this.exit;
  }

  /** Sends `signal` (SIGTERM by default) and resolves with the exit code once the process has exited. */
  async terminate(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (!this.child) return null;
    this.child.kill(signal);
    return (await this.exit!).code;
  }

  /** Resolves when the current run exits (its code). */
  async exited(): Promise<number | null> {
    return this.exit ? (await this.exit).code : null;
  }

  /** Every line the app wrote, across restarts. */
  output(): string {
    return this.earlier + this.out;
  }

  /** The JSON log lines (across restarts); other lines are skipped. */
  logLines(): LogLine[] {
    return this.output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as LogLine];
        } catch {
          return [];
        }
      });
  }

  /** Resident memory now and at its peak (Linux /proc), in bytes. */
  memory(): { rss: number; peakRss: number } {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peakRss: kb('VmHWM') };
  }
}

export interface FaultStackOptions {
  /** Start a private redis-server too (REDIS_URL for the apps). */
  redis?: boolean;
  /** The cluster's first transaction id (default 2,000,000). */
  nextXid?: bigint;
}

/**
 * A private PostgreSQL cluster with the project's migrations applied (database `app`), optionally a
 * private redis-server, and the built apps started against them.
 */
export class FaultStack {
  private readonly apps: AppProcess[] = [];

  private constructor(
    readonly postgres: PrivatePostgres,
    readonly redis: PrivateRedis | undefined,
  ) {}

  static async start(options: FaultStackOptions = {}): Promise<FaultStack> {
    ensureBuilt();
    // The transaction counter starts far from a power of ten, so no scenario crosses one: the
    // crossing is a boundary with tests of its own (the events engine's), not a fault.
    const [postgres, redis] = await Promise.all([
      PrivatePostgres.start({ nextXid: options.nextXid ?? 2_000_000n }),
      options.redis ? PrivateRedis.start() : undefined,
    ]);
    const stack = new FaultStack(postgres, redis);
    try {
      await postgres.query('CREATE DATABASE app');
      await migrateDatabase(stack.databaseUrl);
    } catch (err) {
      await stack.destroy();
      throw err;
    }
    return stack;
  }

  get databaseUrl(): string {
    return this.postgres.url('app');
  }

  /** The apps' environment: this stack's services, the tests' JWT secret, JSON logs at info, fast password hashing. */
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'].includes(key)),
    );
    return {
      ...inherited,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      DATABASE_URL: this.databaseUrl,
      ...(this.redis ? { REDIS_URL: this.redis.url } : {}),
      JWT_SECRET: TEST_JWT_SECRET,
      MIGRATE_ON_START: 'false',
      RUN_WORKER_IN_API: 'false',
      LOG_LEVEL: 'info',
      BCRYPT_COST: '4',
      OTEL_SDK_DISABLED: 'true',
      // A loaded machine can take over a second to answer a ping; readiness tests here want outages, not slowness.
      READY_CHECK_TIMEOUT_MS: '5000',
      ...extra,
    };
  }

  async api(extra: NodeJS.ProcessEnv = {}, options: { ready?: boolean } = {}): Promise<AppProcess> {
    return this.track(await AppProcess.start('api', this.env(extra), options));
  }

  async worker(extra: NodeJS.ProcessEnv = {}, options: { ready?: boolean } = {}): Promise<AppProcess> {
    return this.track(
      await AppProcess.start(
        'worker',
        this.env({ EVENTS_POLL_INTERVAL_MS: '200', EVENTS_LEASE_RETRY_MS: '500', ...extra }),
        options,
      ),
    );
  }

  private track(app: AppProcess): AppProcess {
    this.apps.push(app);
    return app;
  }

  /** SQL on the app's database. */
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values: unknown[] = [],
  ): Promise<R[]> {
    return this.postgres.query<R>(text, values, 'app');
  }

  /** Kills every app it started, then removes the cluster and the redis-server. */
  async destroy(): Promise<void> {
    await Promise.all(this.apps.map((app) => app.kill()));
    await Promise.all([this.postgres.destroy(), this.redis?.destroy()]);
  }
}
