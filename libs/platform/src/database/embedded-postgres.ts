import { mkdir } from 'node:fs/promises';
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

  /** `dataDir` undefined: an in-memory database, gone when stopped. `port` 0: any free port. */
  static async start(dataDir: string | undefined, port = 0): Promise<EmbeddedPostgres> {
    if (dataDir) await mkdir(path.dirname(dataDir), { recursive: true });
    const db = await PGlite.create(dataDir);
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 64 });
    await server.start();
    return new EmbeddedPostgres(db, server, `postgresql://postgres@${server.getServerConn()}/postgres?sslmode=disable`);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
  }
}
