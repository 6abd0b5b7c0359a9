import { Injectable } from '@nestjs/common';
import { type Selectable, sql } from 'kysely';
import { type DB, TransactionRunner } from '@app/platform';
import { TaskListCriteria, TaskReadModel, type TaskStats, type TaskView } from '../ports/task-read-model.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toView(r: Selectable<DB['tasks_read']>): TaskView {
  return {
    id: r.id,
    ownerId: r.owner_id,
    title: r.title,
    description: r.description,
    priority: r.priority,
    status: r.status,
    dueDate: iso(r.due_date),
    version: r.version,
    revision: r.revision,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    completedAt: iso(r.completed_at),
    summary: r.summary,
    subtasks: r.subtasks ?? [],
    category: r.category,
    enrichment:
      r.enrichment_source && r.enriched_at
        ? {
            source: r.enrichment_source,
            model: r.enrichment_model ?? '',
            promptVersion: r.enrichment_prompt_version ?? '',
            enrichedAt: r.enriched_at.toISOString(),
          }
        : null,
  };
}

/** Sort key column per sort field; every keyset index is (owner_id, key, id). */
const SORT_COLUMN = { createdAt: 'created_at', dueDate: 'due_sort', priority: 'priority_rank' } as const;

/** count(*) as a JS number (count is int8, which the driver reads as bigint). */
const count = sql<number>`count(*)::int`;

/**
 * tasks_read through Kysely, on the pool. Lists are keyset-paginated on (key, id) in the sort's
 * direction, so a page is an index range scan whatever its depth.
 */
@Injectable()
export class KyselyTaskReadModel extends TaskReadModel {
  constructor(private readonly transactions: TransactionRunner) {
    super();
  }

  async get(id: string, ownerId: string): Promise<TaskView | null> {
    const r = await this.transactions.db
      .selectFrom('tasks_read')
      .selectAll()
      .where('id', '=', id)
      .where('owner_id', '=', ownerId)
      .executeTakeFirst();
    return r ? toView(r) : null;
  }

  async list(c: TaskListCriteria): Promise<TaskView[]> {
    const column = SORT_COLUMN[c.sort.field];
    const dir = c.sort.direction;
    let query = this.transactions.db.selectFrom('tasks_read').selectAll().where('owner_id', '=', c.ownerId);
    if (c.status) query = query.where('status', '=', c.status);
    if (c.priority) query = query.where('priority', '=', c.priority);
    if (c.dueBefore) query = query.where('due_date', '<', c.dueBefore);
    if (c.dueAfter) query = query.where('due_date', '>', c.dueAfter);
    // The expression of the GIN index (docs/decisions/0052), which the builder cannot say.
    if (c.q)
      query = query.where(
        sql<boolean>`to_tsvector('simple'::regconfig, title || ' ' || description) @@ plainto_tsquery('simple'::regconfig, ${c.q})`,
      );
    const after = c.after;
    if (after)
      query = query.where((eb) =>
        eb(eb.refTuple(column, 'id'), dir === 'asc' ? '>' : '<', eb.tuple(after.key as never, after.id)),
      );
    const rows = await query
      .orderBy(column, dir)
      .orderBy('id', dir)
      .limit(c.limit + 1)
      .execute();
    return rows.map(toView);
  }

  async stats(ownerId: string, days: number, now: Date): Promise<TaskStats> {
    const db = this.transactions.db;
    const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (days - 1)));
    const owned = db.selectFrom('tasks_read').where('owner_id', '=', ownerId);
    const counted = (column: 'status' | 'priority' | 'category') =>
      owned
        .select((eb) => [eb.ref(column).as('value'), count.as('n')])
        .groupBy(column)
        .execute();
    const dated = owned
      .select([sql<Date>`(created_at AT TIME ZONE 'UTC')::date`.as('d'), sql.lit('c').as('kind')])
      .where('created_at', '>=', since)
      .unionAll(
        owned
          .select([sql<Date>`(completed_at AT TIME ZONE 'UTC')::date`.as('d'), sql.lit('x').as('kind')])
          .where('completed_at', '>=', since),
      );
    const perDay = db
      .selectFrom(dated.as('e'))
      .select([
        sql<string>`to_char(d, 'YYYY-MM-DD')`.as('date'),
        sql<number>`count(*) FILTER (WHERE kind = 'c')::int`.as('created'),
        sql<number>`count(*) FILTER (WHERE kind = 'x')::int`.as('completed'),
      ])
      .groupBy('d')
      .orderBy('d');
    const [byStatus, byPriority, byCategory, perDayRows] = await Promise.all([
      counted('status'),
      counted('priority'),
      counted('category'),
      perDay.execute(),
    ]);
    const tally = (zero: Record<string, number>, rows: { value: string | null; n: number }[]) => {
      for (const r of rows) zero[r.value ?? 'unclassified'] = r.n;
      return zero;
    };
    return {
      byStatus: tally({ pending: 0, in_progress: 0, completed: 0, cancelled: 0 }, byStatus),
      byPriority: tally({ low: 0, medium: 0, high: 0, urgent: 0 }, byPriority),
      byCategory: tally({ bug_fix: 0, feature: 0, devops: 0, documentation: 0, other: 0, unclassified: 0 }, byCategory),
      perDay: perDayRows,
    };
  }
}
