import { Injectable } from '@nestjs/common';
import { EventConsumer, EventStore, Subscriber, type StoredEvent } from '@app/events';
import { TransactionRunner } from '@app/platform';
import {
  TASK_ENRICHED,
  TASK_ENRICHMENT_AGGREGATE,
  type TaskEnrichedPayload,
  type TaskUpdatedPayload,
} from '../domain/task.events.js';
import { TaskAnalyser } from '../ports/task-analyser.js';
import { enrichmentId } from './enrichment-id.js';

/** What `prepare` hands to `handle`: the enrichment event to append (null: nothing to do). */
export interface PreparedEnrichment {
  id: string;
  payload: TaskEnrichedPayload;
}

/**
 * Enriches a task after task.created, and after a task.updated that touched its title or
 * description. The result is an event of its own (task.enriched) that the tasks_read projector
 * applies, so a rebuild of the read side keeps enrichments without calling the analyser again.
 * Idempotent per (task, event, analyser version): that triple is the enrichment's aggregate id.
 * The analyser (an LLM call can take seconds) runs in `prepare`, outside any transaction; the
 * engine's write transaction only appends the result (docs/decisions/0053).
 */
@Injectable()
@EventConsumer()
export class TaskEnrichmentSubscriber extends Subscriber<PreparedEnrichment | null> {
  readonly name = 'tasks_enrichment';
  readonly eventTypes = ['task.created', 'task.updated'] as const;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly events: EventStore,
    private readonly analyser: TaskAnalyser,
  ) {
    super();
  }

  /** Reads the task's current text and analyses it (no transaction of the engine's is open here). */
  override async prepare(event: StoredEvent): Promise<PreparedEnrichment | null> {
    if (event.type === 'task.updated') {
      const changes = (event.payload as TaskUpdatedPayload).changes ?? {};
      if (changes.title === undefined && changes.description === undefined) return null;
    }
    const id = enrichmentId(event.aggregateId, event.id, this.analyser.version);
    const task = await this.transactions.db
      .selectFrom('tasks')
      .select(['owner_id', 'title', 'description', 'version'])
      .select((eb) => eb.exists(this.enrichmentEvent(id)).as('done'))
      .where('id', '=', event.aggregateId)
      .executeTakeFirst();
    if (!task || task.done) return null; // deleted meanwhile, or enriched already
    const analysis = await this.analyser.analyse({ title: task.title, description: task.description });
    return {
      id,
      payload: {
        taskId: event.aggregateId,
        ownerId: task.owner_id,
        sourceEventId: event.id,
        basedOnVersion: task.version,
        summary: analysis.summary,
        subtasks: analysis.subtasks,
        category: analysis.category,
        source: analysis.source,
        model: analysis.model,
        promptVersion: analysis.promptVersion,
      },
    };
  }

  /** Appends the prepared enrichment. Called without one (outside the engine), it prepares first. */
  async handle(event: StoredEvent, prepared?: PreparedEnrichment | null): Promise<void> {
    const enrichment = prepared === undefined ? await this.prepare(event) : prepared;
    if (!enrichment) return;
    await this.transactions.run(async () => {
      if (await this.enrichmentEvent(enrichment.id).executeTakeFirst()) return;
      await this.events.append([
        {
          type: TASK_ENRICHED,
          aggregateType: TASK_ENRICHMENT_AGGREGATE,
          aggregateId: enrichment.id,
          aggregateVersion: 1,
          payload: enrichment.payload,
        },
      ]);
    });
  }

  /** The enrichment's event, once appended. */
  private enrichmentEvent(id: string) {
    return this.transactions.db.selectFrom('events').select('id').where('aggregate_id', '=', id).limit(1);
  }
}
