import type { ServerResponse } from 'node:http';
import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { EventSignal } from '../engine/event-signal.js';
import type { LogPoint } from '../engine/event-log.js';
import { EventFeed, formatFeedCursor } from './event-feed.js';

const POLL_MS = 1_000;
const BATCH = 100;

/**
 * Server-sent events of a user's own events in the feed's commit order: `id:` is the feed cursor
 * of the event (a reconnecting client's `Last-Event-ID` resumes after it, skipping nothing), a
 * comment line every `heartbeatMs`; every stream ends when the application shuts down. New
 * events are noticed on a commit in this process or by polling.
 */
@Injectable()
export class EventStreams implements BeforeApplicationShutdown {
  static heartbeatMs = 15_000;
  private readonly logger = new Logger('EventStreams');
  private readonly open = new Set<() => void>();
  private closing = false;

  constructor(
    private readonly feed: EventFeed,
    private readonly signal: EventSignal,
  ) {}

  async run(actor: string, after: LogPoint | undefined, out: ServerResponse): Promise<void> {
    if (this.closing) return void out.end();
    const stop = new AbortController();
    const end = () => stop.abort();
    this.open.add(end);
    out.once('close', end);
    const heartbeat = setInterval(() => out.write(': heartbeat\n\n'), EventStreams.heartbeatMs);
    try {
      out.write('retry: 2000\n\n');
      let cursor = after;
      while (!stop.signal.aborted) {
        const since = this.signal.generation;
        const entries = await this.feed.read(actor, cursor, BATCH);
        for (const { at, item } of entries) {
          out.write(`id: ${formatFeedCursor(at)}\nevent: ${item.type}\ndata: ${JSON.stringify(item)}\n\n`);
          cursor = at;
        }
        if (entries.length < BATCH) await this.signal.wait(POLL_MS, stop.signal, since);
      }
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message } }, 'event stream failed');
    } finally {
      clearInterval(heartbeat);
      this.open.delete(end);
      out.end();
    }
  }

  beforeApplicationShutdown(): void {
    this.closing = true;
    for (const end of this.open) end();
  }
}
