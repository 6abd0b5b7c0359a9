import { Injectable } from '@nestjs/common';
import { EventConsumer, Projector, type StoredEvent } from '@app/events';
import { TransactionRunner, type Tx } from '@app/platform';
import { TASK_ENRICHED, TASK_EVENT_TYPES, type TaskEnrichedPayload } from '../domain/task.events.js';
import { TaskCache } from '../ports/task-cache.js';
import { projectTaskEvent, type TaskReadRow } from './tasks-read.projection.js';

interface DbRow {
  id: string;
  owner_id: string;
  title: string;
  description: string;
  priority: TaskReadRow['priority'];
  priority_rank: number;
  status: string;
  due_date: Date | null;
  due_sort: Date;
  version: number;
  revision: number;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
  summary: string | null;
  subtasks: string[];
  category: string | null;
  enrichment_source: string | null;
  enrichment_model: string | null;
  enrichment_prompt_version: string | null;
  enriched_version: number | null;
  enriched_at: Date | null;
}

function fromDb(r: DbRow): TaskReadRow {
  return {
    id: r.id,
    ownerId: r.owner_id,
    title: r.title,
    description: r.description,
    priority: r.priority,
    priorityRank: r.priority_rank,
    status: r.status,
    dueDate: r.due_date,
    dueSort: r.due_sort,
    version: r.version,
    revision: r.revision,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    completedAt: r.completed_at,
    summary: r.summary,
    subtasks: r.subtasks,
    category: r.category,
    enrichmentSource: r.enrichment_source,
    enrichmentModel: r.enrichment_model,
    enrichmentPromptVersion: r.enrichment_prompt_version,
    enrichedVersion: r.enriched_version,
    enrichedAt: r.enriched_at,
  };
}

/** The tasks_read row an event changes: its aggregate, or for task.enriched the task it enriches. */
const targetOf = (event: StoredEvent): string =>
  event.type === TASK_ENRICHED ? (event.payload as TaskEnrichedPayload).taskId : event.aggregateId;

const COLUMNS = `id, owner_id, title, description, priority, priority_rank, status, due_date, due_sort, version, revision, created_at, updated_at, completed_at,
  summary, subtasks, category, enrichment_source, enrichment_model, enrichment_prompt_version, enriched_version, enriched_at`;
/** One row per array element: the batch's final rows in one statement. */
const UPSERT = `INSERT INTO tasks_read (${COLUMNS})
  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::smallint[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::int[],
    $11::int[], $12::timestamptz[], $13::timestamptz[], $14::timestamptz[], $15::text[], $16::jsonb[], $17::text[], $18::text[], $19::text[], $20::text[], $21::int[], $22::timestamptz[])
  ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description, priority = EXCLUDED.priority, priority_rank = EXCLUDED.priority_rank,
    status = EXCLUDED.status, due_date = EXCLUDED.due_date, due_sort = EXCLUDED.due_sort, version = EXCLUDED.version, revision = EXCLUDED.revision,
    updated_at = EXCLUDED.updated_at, completed_at = EXCLUDED.completed_at, summary = EXCLUDED.summary, subtasks = EXCLUDED.subtasks, category = EXCLUDED.category,
    enrichment_source = EXCLUDED.enrichment_source, enrichment_model = EXCLUDED.enrichment_model, enrichment_prompt_version = EXCLUDED.enrichment_prompt_version,
    enriched_version = EXCLUDED.enriched_version, enriched_at = EXCLUDED.enriched_at`;

/**
 * Keeps tasks_read from the task events (and task.enriched). Runs inside the engine's
 * transaction, a batch of events at a time: reads the rows they touch FOR UPDATE in one query,
 * applies the pure projection to each event in log order in memory, writes the final rows in one
 * statement (deletes in another), and raises the cache's revision marker of every changed task
 * so no older cached copy is served afterwards. `handle` is the same with a batch of one.
 */
@Injectable()
@EventConsumer()
export class TasksReadProjector extends Projector {
  readonly name = 'tasks_read';
  readonly eventTypes = [...TASK_EVENT_TYPES, TASK_ENRICHED] as const;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly cache: TaskCache,
  ) {
    super();
  }

  async handle(event: StoredEvent): Promise<void> {
    await this.handleBatch([event]);
  }

  /** In the engine's transaction (run joins the open one). */
  override async handleBatch(events: StoredEvent[]): Promise<void> {
    await this.transactions.run((tx) => this.apply(tx, events));
  }

  async reset(): Promise<void> {
    await this.transactions.run((tx) => tx.execute('DELETE FROM tasks_read'));
  }

  private async apply(tx: Tx, events: StoredEvent[]): Promise<void> {
    const ids = [...new Set(events.map(targetOf))];
    // In id order, so two transactions locking overlapping sets cannot deadlock.
    const rows = await tx.query<DbRow[]>(
      'SELECT * FROM tasks_read WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
      ids,
    );
    const current = new Map<string, TaskReadRow | null>(rows.map((r) => [r.id, fromDb(r)]));
    const existed = new Set(current.keys());
    /** Changed tasks: the revision their cache marker must reach. */
    const changed = new Map<string, number>();
    for (const event of events) {
      const id = targetOf(event);
      const change = projectTaskEvent(current.get(id) ?? null, { ...event, aggregateId: id });
      if (change.kind === 'delete') {
        current.set(id, null);
        changed.set(id, change.revision);
      } else if (change.kind === 'upsert') {
        current.set(id, change.row);
        changed.set(id, change.row.revision);
      }
    }
    if (changed.size === 0) return;
    const gone = [...changed.keys()].filter((id) => current.get(id) === null && existed.has(id));
    if (gone.length) await tx.execute('DELETE FROM tasks_read WHERE id = ANY($1::uuid[])', gone);
    const kept = [...changed.keys()].map((id) => current.get(id)).filter((r): r is TaskReadRow => !!r);
    if (kept.length) {
      const column = <T>(f: (r: TaskReadRow) => T) => kept.map(f);
      await tx.execute(
        UPSERT,
        column((r) => r.id),
        column((r) => r.ownerId),
        column((r) => r.title),
        column((r) => r.description),
        column((r) => r.priority),
        column((r) => r.priorityRank),
        column((r) => r.status),
        column((r) => r.dueDate),
        column((r) => r.dueSort),
        column((r) => r.version),
        column((r) => r.revision),
        column((r) => r.createdAt),
        column((r) => r.updatedAt),
        column((r) => r.completedAt),
        column((r) => r.summary),
        column((r) => JSON.stringify(r.subtasks)),
        column((r) => r.category),
        column((r) => r.enrichmentSource),
        column((r) => r.enrichmentModel),
        column((r) => r.enrichmentPromptVersion),
        column((r) => r.enrichedVersion),
        column((r) => r.enrichedAt),
      );
    }
    // A new row (revision 1) was never cached; every other change (a delete included) raises its
    // marker. The calls go out together on the Redis connection.
    await Promise.all(
      [...changed].filter(([, revision]) => revision > 1).map(([id, revision]) => this.cache.invalidate(id, revision)),
    );
  }
}
