import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const execFileAsync = promisify(execFile);

/** `cp -R` runs beside the event loop (module loading goes on meanwhile); fs.cp where there is none. */
async function copyFolder(from: string, to: string): Promise<void> {
  try {
    await execFileAsync('cp', ['-R', from, to]);
  } catch {
    await rm(to, { recursive: true, force: true });
    await cp(from, to, { recursive: true });
  }
}

/**
 * PostgreSQL compiled to WebAssembly (PGlite), persisted in a folder and served on a loopback
 * port so that the same pg driver, Prisma client and migrations work unchanged. PGlite is one
 * database session: connections beyond the first queue behind it (see docs/decisions).
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly url: string,
  ) {}

  /**
   * `dataDir` undefined: an in-memory database, gone when stopped. `port` 0: any free port.
   * A new data folder starts as a copy of `seed` when given (a migrated cluster written at build
   * time): copying files takes a fraction of initialising a cluster (about 3 s) or loading a dump.
   */
  static async start(dataDir: string | undefined, port = 0, seed?: string): Promise<EmbeddedPostgres> {
    if (dataDir) {
      await mkdir(path.dirname(dataDir), { recursive: true });
      if (seed && !existsSync(path.join(dataDir, 'PG_VERSION')) && existsSync(path.join(seed, 'PG_VERSION'))) {
        await copyFolder(seed, dataDir);
      }
    }
    const db = await PGlite.create(dataDir);
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 64 });
    await server.start();
    return new EmbeddedPostgres(db, server, `postgresql://postgres@${server.getServerConn()}/postgres?sslmode=disable`);
  }

  /** Writes a fresh cluster to the folder `dir`, after `prepare` ran on it, for `start(..., seed)`. */
  static async writeSeed(dir: string, prepare: (url: string) => Promise<unknown>): Promise<void> {
    await rm(dir, { recursive: true, force: true });
    const embedded = await EmbeddedPostgres.start(dir);
    try {
      await prepare(embedded.url);
    } finally {
      await embedded.stop();
    }
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
  }
}
