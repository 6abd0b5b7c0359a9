import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/platform';
import { handleInContext } from './event-context.js';
import { type LogPoint, lockCheckpoint, readAfter, saveCheckpoint, START } from './event-log.js';
import { EventsEngine } from './events-engine.js';

const REBUILD_BATCH = 5_000;
const REBUILD_TIMEOUT_MS = 24 * 3_600_000;

/**
 * Replays the whole log into one projector, in ONE transaction: it locks the projector's
 * checkpoint row (the live engine skips a locked checkpoint, so it pauses), calls `reset()` (a
 * DELETE: readers keep seeing the old rows until the commit, never a half-built table), handles
 * every event in commit order, sets the checkpoint and commits. The projector's dead letters
 * are cleared: their events were just applied. An event that fails aborts the rebuild, leaving
 * the old table and checkpoint as they were (docs/decisions/0013).
 */
@Injectable()
export class ProjectionRebuilder {
  constructor(
    private readonly engine: EventsEngine,
    private readonly transactions: TransactionRunner,
  ) {}

  projectorNames(): string[] {
    return this.engine
      .consumers()
      .filter((c) => c.kind === 'projector')
      .map((c) => c.name);
  }

  async rebuild(name: string, onProgress?: (events: number) => void): Promise<{ events: number; handled: number }> {
    const projector = this.engine.projector(name);
    if (!projector)
      throw new Error(`no projector is named '${name}' (known: ${this.projectorNames().join(', ') || 'none'})`);
    const types = new Set(projector.eventTypes);
    return this.transactions.run(
      async (db) => {
        await lockCheckpoint(db, name, true);
        await projector.reset();
        let at: LogPoint = START;
        let events = 0;
        let handled = 0;
        for (;;) {
          const batch = await readAfter(db, at, REBUILD_BATCH);
          if (batch.length === 0) break;
          const wanted = batch.filter((e) => types.has(e.type));
          if (projector.handleBatch && wanted.length > 0) await projector.handleBatch(wanted);
          else for (const event of wanted) await handleInContext(projector, event);
          handled += wanted.length;
          at = batch[batch.length - 1];
          events += batch.length;
          onProgress?.(events);
        }
        await saveCheckpoint(db, name, at);
        await db.deleteFrom('dead_letters').where('consumer', '=', name).execute();
        return { events, handled };
      },
      { timeoutMs: REBUILD_TIMEOUT_MS },
    );
  }
}
