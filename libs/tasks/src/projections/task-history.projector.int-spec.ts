import { randomUUID } from 'node:crypto';
import { AccessModule } from '@app/access';
import type { StoredEvent } from '@app/events';
import { TransactionRunner } from '@app/platform';
import { startTestContext, type TestContext } from '../../../../test/support/test-context';
import { foldHistory, historyTaskOf, type TaskHistoryEntry, type TaskHistoryHead } from '../domain/task-history';
import { TaskHistoryReadModel } from '../ports/task-history.read-model';
import { TasksModule } from '../tasks.module';
import { TasksWorkerModule } from '../tasks-worker.module';
import { TaskHistoryProjector } from './task-history.projector';

let t: TestContext;
beforeAll(async () => {
  t = await startTestContext([AccessModule, TasksModule, TasksWorkerModule]);
}, 60_000);
afterAll(() => t?.close());

const owner = randomUUID();
let position = 0n;
const at = (minute: number) => new Date(`2026-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`);
function event(
  aggregateType: string,
  aggregateId: string,
  aggregateVersion: number,
  type: string,
  payload: object,
  actor: string | undefined = owner,
): StoredEvent {
  return {
    id: randomUUID(),
    position: ++position,
    aggregateType,
    aggregateId,
    aggregateVersion,
    type,
    payload: { ownerId: owner, ...payload },
    metadata: { actor },
    occurredAt: at(Number(position % 60n)),
  };
}
const created = (id: string, title: string) =>
  event('task', id, 1, 'task.created', {
    title,
    description: '',
    priority: 'low',
    status: 'pending',
    dueDate: null,
    createdAt: at(0).toISOString(),
  });
const updated = (id: string, version: number, changes: object) =>
  event('task', id, version, 'task.updated', { changes, updatedAt: at(1).toISOString() });
const enriched = (taskId: string, basedOnVersion: number, summary: string) =>
  event(
    'task_enrichment',
    randomUUID(),
    1,
    'task.enriched',
    {
      taskId,
      sourceEventId: randomUUID(),
      basedOnVersion,
      summary,
      subtasks: ['x', 'y', 'z'],
      category: 'feature',
      source: 'heuristic',
      model: 'rules',
      promptVersion: 'v1',
    },
    undefined,
  );
const reminder = (taskId: string) =>
  event(
    'task_reminder',
    randomUUID(),
    1,
    'task.reminder_due',
    { taskId, dueDate: at(5).toISOString(), leadMinutes: 60 },
    undefined,
  );

/** Three tasks' events interleaved, with a deletion, a stale redelivery and an event of no task. */
function scenario() {
  const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
  const events = [
    created(a, 'a'),
    created(b, 'b'),
    updated(a, 2, { title: 'a2', dueDate: '2026-03-01T00:00:00.000Z' }),
    enriched(a, 1, 'first'),
    created(c, 'c'),
    event('task', b, 2, 'task.deleted', { status: 'pending', deletedAt: at(2).toISOString() }),
    reminder(b),
    event('task', a, 3, 'task.status_changed', { from: 'pending', to: 'completed', changedAt: at(3).toISOString() }),
    updated(a, 2, { title: 'stale redelivery' }),
    enriched(a, 2, 'second'),
    reminder(c),
    event('notification', randomUUID(), 1, 'notification.created', { userId: owner }),
  ];
  return { ids: [a, b, c], events };
}

/** The reference: the domain fold over the events, in memory. */
function foldAll(events: StoredEvent[]) {
  const heads = new Map<string, TaskHistoryHead>();
  const entries: TaskHistoryEntry[] = [];
  for (const e of events) {
    const id = historyTaskOf(e);
    if (!id) continue;
    const next = foldHistory(heads.get(id) ?? null, { ...e, actor: e.metadata.actor ?? null });
    if (!next) continue;
    heads.set(id, next.head);
    entries.push(next.entry);
  }
  return { heads, entries };
}

async function stored(ids: string[]) {
  const db = t.app.get(TransactionRunner).db;
  const entries = await db
    .selectFrom('task_history')
    .selectAll()
    .where('task_id', 'in', ids)
    .orderBy('task_id')
    .orderBy('seq')
    .execute();
  const heads = await db
    .selectFrom('task_history_heads')
    .selectAll()
    .where('task_id', 'in', ids)
    .orderBy('task_id')
    .execute();
  return {
    entries: entries.map((r) => ({
      taskId: r.task_id,
      seq: r.seq,
      eventId: r.event_id,
      type: r.type,
      version: r.version,
      occurredAt: r.occurred_at,
      actor: r.actor,
      changes: r.changes,
    })),
    heads: heads.map((r) => ({
      taskId: r.task_id,
      ownerId: r.owner_id,
      seq: r.seq,
      version: r.version,
      enrichedVersion: r.enriched_version,
      deleted: r.deleted,
      fields: r.fields,
    })),
  };
}

describe('TaskHistoryProjector (real database)', () => {
  it('a batch, events one at a time, and batches split anywhere leave the rows of the domain fold', async () => {
    const projector = t.app.get(TaskHistoryProjector);
    const runner = t.app.get(TransactionRunner);
    for (const split of [[], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [4, 9]]) {
      const { ids, events } = scenario();
      const bounds = [0, ...split, events.length];
      for (let i = 0; i < bounds.length - 1; i++)
        await runner.run(() => projector.handleBatch(events.slice(bounds[i], bounds[i + 1])));
      const expected = foldAll(events);
      const sorted = [...ids].sort();
      const rows = await stored(ids);
      expect(rows.entries).toEqual(
        [...expected.entries].sort((x, y) => (x.taskId === y.taskId ? x.seq - y.seq : x.taskId < y.taskId ? -1 : 1)),
      );
      expect(rows.heads).toEqual(sorted.map((id) => expected.heads.get(id)));
      // the stale redelivery added nothing; the deleted task kept its entries and took no reminder
      expect(rows.entries.filter((e) => e.taskId === ids[0]).map((e) => e.type)).toEqual([
        'task.created',
        'task.updated',
        'task.enriched',
        'task.status_changed',
        'task.enriched',
      ]);
      expect(rows.entries.filter((e) => e.taskId === ids[1]).map((e) => e.type)).toEqual([
        'task.created',
        'task.deleted',
      ]);
    }
  });

  it('reset deletes every row (a rebuild then replays the log)', async () => {
    const { ids, events } = scenario();
    const runner = t.app.get(TransactionRunner);
    const projector = t.app.get(TaskHistoryProjector);
    await runner.run(() => projector.handleBatch(events));
    const before = await stored(ids);
    await runner.run(() => projector.reset());
    expect(await stored(ids)).toEqual({ entries: [], heads: [] });
    await runner.run(() => projector.handleBatch(events));
    expect(await stored(ids)).toEqual(before);
  });
});

describe('KyselyTaskHistoryReadModel (real database)', () => {
  it('pages by entry number for the owner only; null for another user and an unknown task; an empty page past the end', async () => {
    const { ids, events } = scenario();
    await t.app.get(TransactionRunner).run(() => t.app.get(TaskHistoryProjector).handleBatch(events));
    const read = t.app.get(TaskHistoryReadModel);
    const [a] = ids;
    const all = await read.page({ taskId: a, ownerId: owner, afterSeq: 0, limit: 100 });
    expect(all?.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(all).toEqual(foldAll(events).entries.filter((e) => e.taskId === a));
    expect((await read.page({ taskId: a, ownerId: owner, afterSeq: 1, limit: 2 }))?.map((e) => e.seq)).toEqual([
      2, 3, 4,
    ]);
    expect(await read.page({ taskId: a, ownerId: owner, afterSeq: 5, limit: 2 })).toEqual([]);
    expect(await read.page({ taskId: a, ownerId: randomUUID(), afterSeq: 0, limit: 2 })).toBeNull();
    expect(await read.page({ taskId: randomUUID(), ownerId: owner, afterSeq: 0, limit: 2 })).toBeNull();
  });
});
