import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

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
   * A new data folder starts from `seed` when given (a dump of a migrated cluster written at
   * build time): loading it takes a third of the time of initialising a cluster.
   */
  static async start(dataDir: string | undefined, port = 0, seed?: string): Promise<EmbeddedPostgres> {
    let loadDataDir: Blob | undefined;
    if (dataDir) {
      await mkdir(path.dirname(dataDir), { recursive: true });
      if (seed && !existsSync(path.join(dataDir, 'PG_VERSION')) && existsSync(seed)) loadDataDir = new Blob([await readFile(seed)]);
    }
    const db = await PGlite.create(dataDir, loadDataDir ? { loadDataDir } : {});
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 64 });
    await server.start();
    return new EmbeddedPostgres(db, server, `postgresql://postgres@${server.getServerConn()}/postgres?sslmode=disable`);
  }

  /** Writes a dump of a fresh cluster, after `prepare` ran on it, to `file`, for `start(..., seed)`. */
  static async writeSeed(file: string, prepare: (url: string) => Promise<unknown>): Promise<void> {
    const embedded = await EmbeddedPostgres.start(undefined);
    await prepare(embedded.url);
    await embedded.server.stop();
    const dump = await embedded.db.dumpDataDir('gzip');
    await embedded.db.close();
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
  }
}
