import { NO_DUE_DATE } from '../ports/task-read-model';
import { projectTaskEvent, type ProjectableEvent, type TaskReadRow } from './tasks-read.projection';

const id = '00000000-0000-4000-8000-000000000001';
const ownerId = '00000000-0000-4000-8000-0000000000aa';
const at = new Date('2026-01-01T00:00:00.000Z');

const ev = (type: string, version: number, payload: unknown): ProjectableEvent => ({
  type,
  aggregateId: id,
  aggregateVersion: version,
  occurredAt: at,
  payload,
});
const created = ev('task.created', 1, {
  ownerId,
  title: 'T',
  description: 'D',
  priority: 'high',
  status: 'pending',
  dueDate: null,
  createdAt: at.toISOString(),
});

function run(events: ProjectableEvent[], start: TaskReadRow | null = null): TaskReadRow | null {
  let row = start;
  for (const e of events) {
    const c = projectTaskEvent(row, e);
    if (c.kind === 'upsert') row = c.row;
    if (c.kind === 'delete') row = null;
  }
  return row;
}

describe('tasks_read projection (given events -> row)', () => {
  it('task.created inserts the row with sort keys', () => {
    expect(run([created])).toMatchObject({
      id,
      owner_id: ownerId,
      title: 'T',
      priority: 'high',
      priority_rank: 3,
      status: 'pending',
      due_date: null,
      due_sort: NO_DUE_DATE,
      version: 1,
      revision: 1,
      subtasks: [],
    });
  });

  it('task.updated applies only the changes and bumps version and revision', () => {
    const row = run([
      created,
      ev('task.updated', 2, {
        ownerId,
        changes: { title: 'U', dueDate: '2026-02-01T00:00:00.000Z' },
        updatedAt: '2026-01-02T00:00:00.000Z',
      }),
    ]);
    expect(row).toMatchObject({
      title: 'U',
      description: 'D',
      due_date: new Date('2026-02-01T00:00:00.000Z'),
      due_sort: new Date('2026-02-01T00:00:00.000Z'),
      version: 2,
      revision: 2,
    });
  });

  it('status changes set and clear completed_at', () => {
    const done = run([
      created,
      ev('task.status_changed', 2, {
        ownerId,
        from: 'pending',
        to: 'completed',
        changedAt: '2026-01-03T00:00:00.000Z',
      }),
    ]);
    expect(done).toMatchObject({ status: 'completed', completed_at: new Date('2026-01-03T00:00:00.000Z') });
    const reopened = run(
      [
        ev('task.status_changed', 3, {
          ownerId,
          from: 'completed',
          to: 'pending',
          changedAt: '2026-01-04T00:00:00.000Z',
        }),
      ],
      done,
    );
    expect(reopened).toMatchObject({ status: 'pending', completed_at: null, version: 3 });
  });

  it('is idempotent: replayed or older events change nothing', () => {
    const row = run([
      created,
      ev('task.updated', 2, { ownerId, changes: { title: 'U' }, updatedAt: at.toISOString() }),
    ]);
    expect(projectTaskEvent(row, created).kind).toBe('none');
    expect(
      projectTaskEvent(row, ev('task.updated', 2, { ownerId, changes: { title: 'X' }, updatedAt: at.toISOString() }))
        .kind,
    ).toBe('none');
  });

  it('task.deleted removes the row; events for a missing row are ignored', () => {
    expect(
      run([created, ev('task.deleted', 2, { ownerId, status: 'pending', deletedAt: at.toISOString() })]),
    ).toBeNull();
    expect(
      projectTaskEvent(null, ev('task.updated', 2, { ownerId, changes: {}, updatedAt: at.toISOString() })).kind,
    ).toBe('none');
  });

  it('task.enriched fills the enrichment fields without touching the version; an older analysis never overwrites a newer one', () => {
    const enriched = (basedOnVersion: number, summary: string): ProjectableEvent => ({
      type: 'task.enriched',
      aggregateId: id,
      aggregateVersion: 1,
      occurredAt: at,
      payload: {
        taskId: id,
        ownerId,
        sourceEventId: 'e',
        basedOnVersion,
        summary,
        subtasks: ['a', 'b', 'c'],
        category: 'feature',
        source: 'heuristic',
        model: 'rules',
        promptVersion: 'heuristic-v1',
      },
    });
    const row = run([created, enriched(2, 'new')]);
    expect(row).toMatchObject({
      summary: 'new',
      category: 'feature',
      enrichment_source: 'heuristic',
      enriched_version: 2,
      version: 1,
      revision: 2,
    });
    expect(projectTaskEvent(row, enriched(1, 'old')).kind).toBe('none');
  });
});
