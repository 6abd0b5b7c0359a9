import { Injectable } from '@nestjs/common';
import { EventConsumer, EventStore, Subscriber, type StoredEvent } from '@app/events';
import { TransactionRunner, type Tx } from '@app/platform';
import { TASK_ENRICHED, type TaskEnrichedPayload, type TaskUpdatedPayload } from '../domain/task.events.js';
import { TaskAnalyser } from '../ports/task-analyser.js';
import { enrichmentId } from './enrichment-id.js';

export const ENRICHMENT_AGGREGATE = 'task_enrichment';

/**
 * Enriches a task after task.created, and after a task.updated that touched its title or
 * description. The result is an event of its own (task.enriched) that the tasks_read projector
 * applies, so a rebuild of the read side keeps enrichments without calling the analyser again.
 * Idempotent per (task, event, analyser version): that triple is the enrichment's aggregate id.
 */
@Injectable()
@EventConsumer()
export class TaskEnrichmentSubscriber extends Subscriber {
  readonly name = 'tasks_enrichment';
  readonly eventTypes = ['task.created', 'task.updated'] as const;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly events: EventStore,
    private readonly analyser: TaskAnalyser,
  ) {
    super();
  }

  async handle(event: StoredEvent): Promise<void> {
    if (event.type === 'task.updated') {
      const changes = (event.payload as TaskUpdatedPayload).changes ?? {};
      if (changes.title === undefined && changes.description === undefined) return;
    }
    const id = enrichmentId(event.aggregateId, event.id, this.analyser.version);
    const work = async (tx: Tx) => {
      const done = await tx.$queryRawUnsafe<unknown[]>('SELECT 1 FROM events WHERE aggregate_id = $1::uuid LIMIT 1', id);
      if (done.length) return;
      const rows = await tx.$queryRawUnsafe<{ owner_id: string; title: string; description: string; version: number }[]>(
        'SELECT owner_id, title, description, version FROM tasks WHERE id = $1::uuid',
        event.aggregateId,
      );
      const task = rows[0];
      if (!task) return; // deleted meanwhile: nothing to enrich
      const analysis = await this.analyser.analyse({ title: task.title, description: task.description });
      const payload: TaskEnrichedPayload = {
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
      };
      await this.events.append([{ type: TASK_ENRICHED, aggregateType: ENRICHMENT_AGGREGATE, aggregateId: id, aggregateVersion: 1, payload }]);
    };
    const open = this.transactions.current();
    await (open ? work(open) : this.transactions.run(work));
  }
}
