import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  ftruncateSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort, waitFor } from './free-port';
import { redisReachable, services } from './services';

/**
 * Private PostgreSQL clusters and Redis servers for tests that need a fault the shared services
 * must never see: a server stopped, killed or restarted, a transaction counter placed just below a
 * power of ten. Each is started from the machine's own binaries on a free port and removed after.
 * Without the binaries, `privateServices.missing(...)` fails the run under TEST_REQUIRE_SERVICES
 * (CI) and otherwise reports the tests as not run.
 */

const run = promisify(execFile);
const PREFIX = 'tb-private-';
const XACTS_PER_SEGMENT = 32 * 8192 * 4; // pg_xact: 2 bits a transaction, 32 pages of 8 KiB a segment file

function pgBinDir(): string | undefined {
  const found = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const dir = found.status === 0 ? found.stdout.trim() : undefined;
  return dir && ['initdb', 'pg_ctl', 'pg_resetwal', 'postgres'].every((bin) => existsSync(path.join(dir, bin)))
    ? dir
    : undefined;
}

function onPath(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
}

/** initdb refuses root: as root, the server binaries run as the `postgres` OS user. */
const asRoot = process.getuid?.() === 0;
const postgresUser = asRoot ? userIds('postgres') : undefined;

function userIds(name: string): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  return uid.status === 0 && gid.status === 0 ? { uid: Number(uid.stdout), gid: Number(gid.stdout) } : undefined;
}

function pgCommand(bin: string, args: string[]): [string, string[]] {
  const file = path.join(pgBinDir()!, bin);
  return asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
}

async function pgRun(bin: string, args: string[]): Promise<string> {
  const [file, argv] = pgCommand(bin, args);
  try {
    const { stdout } = await run(file, argv, { encoding: 'utf8' });
    return stdout;
  } catch (err) {
    const { stderr, stdout } = err as { stderr?: string; stdout?: string };
    throw new Error(`${bin} ${args.join(' ')} failed: ${stderr ?? ''}${stdout ?? ''}`, { cause: err });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Folders (and their servers) left behind by test processes that died: the owner's pid is in the name. */
function sweepStale(): void {
  for (const name of readdirSync(os.tmpdir())) {
    const match = new RegExp(`^${PREFIX}(?:pg|redis)-(\\d+)-`).exec(name);
    if (!match || pidAlive(Number(match[1]))) continue;
    const dir = path.join(os.tmpdir(), name);
    const serverPid = readServerPid(dir);
    if (serverPid && pidAlive(serverPid)) process.kill(serverPid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

function readServerPid(dir: string): number | undefined {
  for (const file of ['postmaster.pid', 'redis.pid']) {
    try {
      const pid = Number(readFileSync(path.join(dir, file), 'utf8').split('\n')[0]);
      if (Number.isInteger(pid) && pid > 0) return pid;
    } catch {
      // not this kind of folder
    }
  }
  return undefined;
}

function privateDir(kind: 'pg' | 'redis'): string {
  sweepStale();
  const dir = mkdtempSync(path.join(os.tmpdir(), `${PREFIX}${kind}-${process.pid}-`));
  if (kind === 'pg' && postgresUser) chownSync(dir, postgresUser.uid, postgresUser.gid);
  return dir;
}

export const privateServices = {
  postgres: (): boolean => pgBinDir() !== undefined && (!asRoot || postgresUser !== undefined),
  redis: (): boolean => onPath('redis-server'),
  /**
   * The private services in `needed` that this machine cannot start. Under TEST_REQUIRE_SERVICES
   * a missing one throws (the run fails); otherwise the caller reports its tests as not run.
   */
  missing(...needed: ('postgres' | 'redis')[]): string[] {
    const missing = needed.filter((what) => !privateServices[what]());
    const named = missing.map((what) =>
      what === 'postgres'
        ? 'PostgreSQL server binaries (pg_config --bindir: initdb, pg_ctl, pg_resetwal)'
        : 'redis-server',
    );
    if (named.length && services.required)
      throw new Error(`TEST_REQUIRE_SERVICES is set but these are missing: ${named.join(', ')}`);
    for (const what of named)
      process.stdout.write(`\nNOTE: ${what} not found: the tests that need a private server DID NOT RUN.\n`);
    return missing;
  },
};

export interface PrivatePostgresOptions {
  /**
   * The transaction id the cluster hands out next (set with `pg_resetwal -x` before the first
   * start), to put the counter just below a power of ten.
   */
  nextXid?: bigint;
}

/** A PostgreSQL cluster of the test's own (trust auth, user `postgres`, no fsync) on a free port. */
export class PrivatePostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async start(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
    const dir = privateDir('pg');
    const data = path.join(dir, 'data');
    await pgRun('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
    if (options.nextXid !== undefined) await setNextXid(data, options.nextXid);
    const cluster = new PrivatePostgres(dir, await freePort());
    await cluster.resume();
    return cluster;
  }

  private get data(): string {
    return path.join(this.dir, 'data');
  }

  url(database = 'postgres'): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Starts the stopped (or killed) cluster again on the same port and waits until it accepts connections. */
  async resume(): Promise<void> {
    const settings = [
      `-p ${this.port}`,
      `-k ${this.dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
    ];
    await pgRun('pg_ctl', [
      'start',
      '-D',
      this.data,
      '-l',
      path.join(this.dir, 'server.log'),
      '-w',
      '-t',
      '120',
      '-o',
      settings.join(' '),
    ]);
    await waitFor(() => this.query('SELECT 1').then(() => true), 60_000, `private PostgreSQL on port ${this.port}`);
  }

  /** `fast`: clients are disconnected and the server shuts down cleanly; `immediate`: like a crash. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await pgRun('pg_ctl', ['stop', '-D', this.data, '-m', mode, '-w', '-t', '120']);
  }

  /** SIGKILL to the postmaster: the cluster dies at once, as on a crashed host (its children follow). */
  async kill(): Promise<void> {
    const pid = readServerPid(this.data);
    if (!pid) return;
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => (pidAlive(pid) ? undefined : true), 30_000, 'the killed postmaster to exit');
    // Its backends notice the postmaster is gone and exit; a restart waits for the shared memory they hold.
    rmSync(path.join(this.data, 'postmaster.pid'), { force: true });
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values: unknown[] = [],
    database = 'postgres',
  ): Promise<R[]> {
    const client = new pg.Client({ connectionString: this.url(database), connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  /** The transaction id the next transaction will take (xid8); asking takes none. */
  async nextXid(): Promise<bigint> {
    const [row] = await this.query<{ next: string }>(`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS next`);
    return BigInt(row.next);
  }

  /**
   * Moves the counter forward to `nextXid` at once (a clean stop, `pg_resetwal -x`, a start): to
   * cross several powers of ten in one cluster. Clients are disconnected.
   */
  async jumpXidTo(nextXid: bigint): Promise<void> {
    if (nextXid < (await this.nextXid())) throw new Error(`the counter is already past ${nextXid}`);
    await this.stop('fast');
    await setNextXid(this.data, nextXid);
    await this.resume();
  }

  /** Consumes transaction ids until the next one handed out is `target` (one committed transaction each, server-side). */
  async advanceXidTo(target: bigint): Promise<void> {
    const burn = target - (await this.nextXid());
    if (burn < 0n) throw new Error(`the counter is already past ${target}`);
    if (burn > 0n) {
      await this.query(`DO $$ BEGIN FOR i IN 1..${burn} LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$`);
    }
  }

  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => this.kill().catch(() => undefined));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * `pg_resetwal -x`: the next transaction id. Its commit-log segment must exist in full, or the
 * server cannot record the status of the first transactions it hands out (PostgreSQL's docs on
 * pg_resetwal: a zero-filled segment is a valid one).
 */
async function setNextXid(data: string, xid: bigint): Promise<void> {
  await pgRun('pg_resetwal', ['-x', xid.toString(), '-D', data]);
  const segment = path.join(
    data,
    'pg_xact',
    (xid / BigInt(XACTS_PER_SEGMENT)).toString(16).toUpperCase().padStart(4, '0'),
  );
  const size = XACTS_PER_SEGMENT / 4;
  if (existsSync(segment) && statSync(segment).size >= size) return;
  const fd = openSync(segment, 'a');
  try {
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
  if (postgresUser) chownSync(segment, postgresUser.uid, postgresUser.gid);
}

/** A redis-server of the test's own (no persistence) on a free port. */
export class PrivateRedis {
  private child?: ChildProcess;
  private exited?: Promise<void>;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(privateDir('redis'), await freePort());
    await redis.resume();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts the server (again, on the same port, empty) and waits until it answers PING. */
  async resume(): Promise<void> {
    if (this.child) return;
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.dir,
      '--pidfile',
      path.join(this.dir, 'redis.pid'),
    ];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      if (this.child === child) this.child = undefined;
    });
    await waitFor(() => this.ping(), 30_000, `private redis-server on port ${this.port}`);
  }

  private async ping(): Promise<true | undefined> {
    return (await redisReachable(this.url)) || undefined;
  }

  /** SIGTERM and wait for the exit. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  /** SIGKILL and wait for the exit: an outage with no goodbye. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const { child, exited } = this;
    if (!child) return;
    child.kill(signal);
    await exited;
    this.child = undefined;
  }

  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
