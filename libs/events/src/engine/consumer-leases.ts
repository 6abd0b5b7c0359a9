import type { Logger } from '@nestjs/common';
import pg from 'pg';

/**
 * Which consumers this process may run. With a PostgreSQL server: a session advisory lock per
 * consumer on one dedicated connection (which also LISTENs for `events` notifications). When
 * the process dies its connection closes and PostgreSQL frees the locks at once, so another
 * worker takes over at its next attempt (docs/decisions/0012). In single-instance mode there is
 * only this process and one pooled connection: every lease is granted, nothing is opened.
 */
export interface ConsumerLeases {
  hold(consumer: string): Promise<boolean>;
  close(): Promise<void>;
}

export class InProcessLeases implements ConsumerLeases {
  hold(): Promise<boolean> {
    return Promise.resolve(true);
  }
  async close(): Promise<void> {}
}

const LOCK_NAMESPACE = 0x45564e54; // 'EVNT'

export class AdvisoryLeases implements ConsumerLeases {
  private client?: pg.Client;
  private connecting?: Promise<pg.Client | undefined>;
  private readonly held = new Set<string>();
  private closed = false;
  /** The last query on the connection: the consumers ask at once, their queries take turns. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly url: string,
    private readonly onNotify: () => void,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  async hold(consumer: string): Promise<boolean> {
    const client = await this.connection();
    if (!client) return false;
    if (this.held.has(consumer)) return true;
    try {
      const { rows } = await this.inTurn(() =>
        client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok`, [
          LOCK_NAMESPACE,
          consumer,
        ]),
      );
      if (rows[0]?.ok) this.held.add(consumer);
      return this.held.has(consumer);
    } catch (err) {
      this.drop(err);
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client ?? (await this.connecting);
    this.client = undefined;
    this.held.clear();
    // Ending the session releases its advisory locks.
    await client?.end().catch(() => undefined);
  }

  private connection(): Promise<pg.Client | undefined> {
    if (this.client) return Promise.resolve(this.client);
    if (this.closed) return Promise.resolve(undefined);
    this.connecting ??= (async () => {
      const client = new pg.Client({
        connectionString: this.url,
        application_name: `task-backend-events:${process.pid}`,
        connectionTimeoutMillis: 5_000,
      });
      client.on('error', (err) => this.drop(err));
      client.on('end', () => this.drop());
      client.on('notification', () => this.onNotify());
      try {
        await client.connect();
        await client.query('LISTEN events');
        if (this.closed) {
          await client.end();
          return undefined;
        }
        this.client = client;
        return client;
      } catch (err) {
        this.logger.warn({ err: { message: (err as Error).message } }, 'events: lease connection failed');
        await client.end().catch(() => undefined);
        return undefined;
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  /** Runs `query` once the connection's previous query has settled (pg runs one at a time per client; pg 9 will not queue them). */
  private inTurn<T>(query: () => Promise<T>): Promise<T> {
    const result = this.after(this.turn, query);
    this.turn = result.catch(() => undefined); // the next query waits for this one, failed or not
    return result;
  }

  private async after<T>(previous: Promise<unknown>, query: () => Promise<T>): Promise<T> {
    await previous;
    return query();
  }

  /** The connection is gone: so are the locks. Consumers stop at their next step and try again. */
  private drop(err?: unknown): void {
    if (err && !this.closed)
      this.logger.warn({ err: { message: (err as Error).message } }, 'events: lease connection lost');
    const client = this.client;
    this.client = undefined;
    this.held.clear();
    client?.end().catch(() => undefined);
  }
}
