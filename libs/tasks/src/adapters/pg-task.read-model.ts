import { Inject, Injectable } from '@nestjs/common';
import pg from 'pg';
import { TaskListCriteria, TaskReadModel, type TaskStats, type TaskView } from '../ports/task-read-model.js';

export const READ_COLUMNS =
  'id, owner_id, title, description, priority, status, due_date, version, revision, created_at, updated_at, completed_at, summary, subtasks, category, enrichment_source, enrichment_model, enrichment_prompt_version, enriched_at, priority_rank, due_sort';

export interface ReadRow {
  id: string;
  owner_id: string;
  title: string;
  description: string;
  priority: TaskView['priority'];
  status: TaskView['status'];
  due_date: Date | null;
  version: number;
  revision: number;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
  summary: string | null;
  subtasks: string[];
  category: TaskView['category'];
  enrichment_source: 'llm' | 'heuristic' | null;
  enrichment_model: string | null;
  enrichment_prompt_version: string | null;
  enriched_at: Date | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toView(r: ReadRow): TaskView {
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

/**
 * tasks_read through the pg pool (no ORM on the read path). Lists are keyset-paginated on
 * (key, id) in the sort's direction, so a page is an index range scan whatever its depth.
 */
@Injectable()
export class PgTaskReadModel extends TaskReadModel {
  constructor(@Inject(pg.Pool) private readonly pool: pg.Pool) {
    super();
  }

  async get(id: string, ownerId: string): Promise<TaskView | null> {
    const { rows } = await this.pool.query<ReadRow>({
      name: 'tasks_read_get',
      text: `SELECT ${READ_COLUMNS} FROM tasks_read WHERE id = $1::uuid AND owner_id = $2::uuid`,
      values: [id, ownerId],
    });
    return rows[0] ? toView(rows[0]) : null;
  }

  async list(c: TaskListCriteria): Promise<TaskView[]> {
    const where = ['owner_id = $1::uuid'];
    const values: unknown[] = [c.ownerId];
    const add = (sql: (p: string) => string, v: unknown) => {
      values.push(v);
      where.push(sql(`$${values.length}`));
    };
    if (c.status) add((p) => `status = ${p}`, c.status);
    if (c.priority) add((p) => `priority = ${p}`, c.priority);
    if (c.dueBefore) add((p) => `due_date < ${p}::timestamptz`, c.dueBefore);
    if (c.dueAfter) add((p) => `due_date > ${p}::timestamptz`, c.dueAfter);
    if (c.q)
      add(
        (p) =>
          `to_tsvector('simple'::regconfig, title || ' ' || description) @@ plainto_tsquery('simple'::regconfig, ${p})`,
        c.q,
      );
    const column = SORT_COLUMN[c.sort.field];
    const cast = c.sort.field === 'priority' ? '::smallint' : '::timestamptz';
    const dir = c.sort.direction === 'asc' ? 'ASC' : 'DESC';
    const cmp = c.sort.direction === 'asc' ? '>' : '<';
    if (c.after) {
      values.push(c.after.key, c.after.id);
      where.push(`(${column}, id) ${cmp} ($${values.length - 1}${cast}, $${values.length}::uuid)`);
    }
    values.push(c.limit + 1);
    const text = `SELECT ${READ_COLUMNS} FROM tasks_read WHERE ${where.join(' AND ')} ORDER BY ${column} ${dir}, id ${dir} LIMIT $${values.length}`;
    const { rows } = await this.pool.query<ReadRow & { priority_rank: number; due_sort: Date }>(text, values);
    return rows.map(toView);
  }

  async stats(ownerId: string, days: number, now: Date): Promise<TaskStats> {
    const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (days - 1)));
    const [groups, perDay] = await Promise.all([
      this.pool.query<{ dim: string; value: string | null; n: number }>(
        `SELECT 'status' AS dim, status AS value, count(*)::int AS n FROM tasks_read WHERE owner_id = $1::uuid GROUP BY status
         UNION ALL SELECT 'priority', priority, count(*)::int FROM tasks_read WHERE owner_id = $1::uuid GROUP BY priority
         UNION ALL SELECT 'category', category, count(*)::int FROM tasks_read WHERE owner_id = $1::uuid GROUP BY category`,
        [ownerId],
      ),
      this.pool.query<{ date: string; created: number; completed: number }>(
        `SELECT to_char(d, 'YYYY-MM-DD') AS date,
                count(*) FILTER (WHERE kind = 'c')::int AS created, count(*) FILTER (WHERE kind = 'x')::int AS completed
           FROM (SELECT (created_at AT TIME ZONE 'UTC')::date AS d, 'c' AS kind FROM tasks_read WHERE owner_id = $1::uuid AND created_at >= $2::timestamptz
                 UNION ALL
                 SELECT (completed_at AT TIME ZONE 'UTC')::date, 'x' FROM tasks_read WHERE owner_id = $1::uuid AND completed_at >= $2::timestamptz) e
          GROUP BY d ORDER BY d`,
        [ownerId, since],
      ),
    ]);
    const stats: TaskStats = {
      byStatus: { pending: 0, in_progress: 0, completed: 0, cancelled: 0 },
      byPriority: { low: 0, medium: 0, high: 0, urgent: 0 },
      byCategory: { bug_fix: 0, feature: 0, devops: 0, documentation: 0, other: 0, unclassified: 0 },
      perDay: perDay.rows,
    };
    for (const g of groups.rows) {
      const target = g.dim === 'status' ? stats.byStatus : g.dim === 'priority' ? stats.byPriority : stats.byCategory;
      target[g.value ?? 'unclassified'] = g.n;
    }
    return stats;
  }
}
