import fc from 'fast-check';
import { propertySettings } from '../../../../test/support/property-seed';
import { Task, TASK_PRIORITIES, TASK_STATUSES, type TaskFields } from './task';
import { TASK_CATEGORIES, type TaskEnrichedPayload, type TaskEvent } from './task.events';
import {
  foldHistory,
  historyTaskOf,
  type HistoryEvent,
  type HistoryField,
  type TaskHistoryEntry,
  type TaskHistoryHead,
} from './task-history';

const TASK = '00000000-0000-4000-8000-000000000001';
const OWNER = '00000000-0000-4000-8000-0000000000aa';
const t0 = new Date('2026-01-01T00:00:00.000Z');
let ids = 0;

/** An event as the fold reads it: a new id, at t0, by nobody unless `actor` says so. */
function historyEvent(e: Omit<HistoryEvent, 'id' | 'occurredAt' | 'actor'>, actor: string | null = null): HistoryEvent {
  return { id: `e${++ids}`, occurredAt: t0, actor, ...e };
}
function taskEvent(e: TaskEvent, actor: string | null = OWNER): HistoryEvent {
  return historyEvent(
    { type: e.type, aggregateType: 'task', aggregateId: TASK, aggregateVersion: e.version, payload: e.payload },
    actor,
  );
}
function enriched(basedOnVersion: number, p: Partial<TaskEnrichedPayload> = {}): HistoryEvent {
  const payload: TaskEnrichedPayload = {
    taskId: TASK,
    ownerId: OWNER,
    sourceEventId: 'src',
    basedOnVersion,
    summary: 'Sum.',
    subtasks: ['a', 'b', 'c'],
    category: 'bug_fix',
    source: 'heuristic',
    model: 'h',
    promptVersion: '1',
    ...p,
  };
  return historyEvent({
    type: 'task.enriched',
    aggregateType: 'task_enrichment',
    aggregateId: `enr-${ids + 1}`,
    aggregateVersion: 1,
    payload,
  });
}
function reminder(): HistoryEvent {
  return historyEvent({
    type: 'task.reminder_due',
    aggregateType: 'task_reminder',
    aggregateId: `rem-${TASK}`,
    aggregateVersion: 1,
    payload: { taskId: TASK, ownerId: OWNER, dueDate: t0.toISOString(), leadMinutes: 60 },
  });
}

/** Folds the events in order: the entries they add and the final head. */
function fold(
  events: HistoryEvent[],
  head: TaskHistoryHead | null = null,
): { head: TaskHistoryHead | null; entries: TaskHistoryEntry[] } {
  const entries: TaskHistoryEntry[] = [];
  for (const e of events) {
    const next = foldHistory(head, e);
    if (!next) continue;
    head = next.head;
    entries.push(next.entry);
  }
  return { head, entries };
}

const created = () =>
  Task.create({ id: TASK, ownerId: OWNER, now: t0, title: 'Fix login', description: 'It fails.', priority: 'high' });

describe('foldHistory', () => {
  it('task.created starts the history with every initial field (before null), a null due date left out', () => {
    const { events } = created();
    const { head, entries } = fold(events.map((e) => taskEvent(e)));
    expect(entries).toEqual([
      {
        taskId: TASK,
        seq: 1,
        eventId: expect.any(String),
        type: 'task.created',
        version: 1,
        occurredAt: t0,
        actor: OWNER,
        changes: {
          title: { before: null, after: 'Fix login' },
          description: { before: null, after: 'It fails.' },
          priority: { before: null, after: 'high' },
          status: { before: null, after: 'pending' },
        },
      },
    ]);
    expect(head).toMatchObject({
      taskId: TASK,
      ownerId: OWNER,
      seq: 1,
      version: 1,
      deleted: false,
      fields: { title: 'Fix login', dueDate: null, summary: null, subtasks: [] },
    });
  });

  it('task.updated carries only new values: before comes from the fold of the earlier events', () => {
    const { task, events } = created();
    const first = task.update({ title: 'Fix the login', dueDate: new Date('2026-02-01T00:00:00Z') }, t0);
    const second = task.update({ title: 'Fix the login page', priority: 'low' }, t0);
    const { entries } = fold([...events, ...first, ...second].map((e) => taskEvent(e)));
    expect(entries.map((e) => [e.type, e.version, e.changes])).toEqual([
      ['task.created', 1, expect.anything()],
      [
        'task.updated',
        2,
        {
          title: { before: 'Fix login', after: 'Fix the login' },
          dueDate: { before: null, after: '2026-02-01T00:00:00.000Z' },
        },
      ],
      [
        'task.updated',
        3,
        { title: { before: 'Fix the login', after: 'Fix the login page' }, priority: { before: 'high', after: 'low' } },
      ],
    ]);
  });

  it("task.status_changed reports the status before and after; the actor is the event's", () => {
    const { task, events } = created();
    const moved = task.changeStatus('completed', t0);
    const { entries } = fold([...events.map((e) => taskEvent(e)), ...moved.map((e) => taskEvent(e, 'someone-else'))]);
    expect(entries[1]).toMatchObject({
      type: 'task.status_changed',
      version: 2,
      actor: 'someone-else',
      changes: { status: { before: 'pending', after: 'completed' } },
    });
  });

  it('task.enriched reports summary, subtasks and category; a later one their previous values; one from an older version changes nothing', () => {
    const { task, events } = created();
    const update = task.update({ description: 'It fails on Safari.' }, t0);
    const { entries, head } = fold([
      ...events.map((e) => taskEvent(e)),
      enriched(1),
      ...update.map((e) => taskEvent(e)),
      enriched(2, { summary: 'Safari.', category: 'bug_fix' }),
      enriched(1, { summary: 'late and stale' }),
    ]);
    expect(entries.slice(1).map((e) => [e.type, e.version, e.changes])).toEqual([
      [
        'task.enriched',
        1,
        {
          summary: { before: null, after: 'Sum.' },
          subtasks: { before: [], after: ['a', 'b', 'c'] },
          category: { before: null, after: 'bug_fix' },
        },
      ],
      ['task.updated', 2, { description: { before: 'It fails.', after: 'It fails on Safari.' } }],
      ['task.enriched', 2, { summary: { before: 'Sum.', after: 'Safari.' } }],
      ['task.enriched', 2, {}],
    ]);
    expect(head?.fields.summary).toBe('Safari.');
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a reminder is listed at the current version with no changes', () => {
    const { events } = created();
    const { entries } = fold([...events.map((e) => taskEvent(e)), reminder()]);
    expect(entries[1]).toMatchObject({ type: 'task.reminder_due', version: 1, seq: 2, actor: null, changes: {} });
  });

  it('a deleted task keeps its history; nothing is added after the deletion', () => {
    const { task, events } = created();
    const deleted = task.delete(t0);
    const { entries, head } = fold([...[...events, ...deleted].map((e) => taskEvent(e)), enriched(1), reminder()]);
    expect(entries.map((e) => [e.type, e.version, e.changes])).toEqual([
      ['task.created', 1, expect.anything()],
      ['task.deleted', 2, {}],
    ]);
    expect(head?.deleted).toBe(true);
  });

  it('repeats, older task events, events before the creation and events of other aggregates add nothing', () => {
    const { task, events } = created();
    const update = task.update({ title: 'Again' }, t0).map((e) => taskEvent(e));
    expect(fold([...update, enriched(1), reminder()]).entries).toEqual([]);
    const { entries } = fold([
      ...events.map((e) => taskEvent(e)),
      ...update,
      ...update,
      ...events.map((e) => taskEvent(e)),
    ]);
    expect(entries.map((e) => e.type)).toEqual(['task.created', 'task.updated']);
    expect(
      historyTaskOf({ type: 'task.reminder_due', aggregateType: 'notification', aggregateId: TASK, payload: {} }),
    ).toBeNull();
    expect(
      historyTaskOf({ type: 'task.created', aggregateType: 'task_reminder', aggregateId: TASK, payload: {} }),
    ).toBeNull();
    expect(historyTaskOf(enriched(1))).toBe(TASK);
    expect(historyTaskOf(reminder())).toBe(TASK);
    expect(
      historyTaskOf({ type: 'task.reminder_due', aggregateType: 'task_reminder', aggregateId: TASK, payload: {} }),
    ).toBeNull();
  });
});

type Step =
  | { kind: 'update'; fields: Partial<TaskFields> }
  | { kind: 'status'; to: (typeof TASK_STATUSES)[number] }
  | { kind: 'enrich'; summary: string; subtasks: string[]; category: (typeof TASK_CATEGORIES)[number] }
  | { kind: 'remind' };

const text = fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s.trim() === s && s.length > 0);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record(
        {
          title: text,
          description: fc.string({ maxLength: 8 }),
          priority: fc.constantFrom(...TASK_PRIORITIES),
          dueDate: fc.option(
            fc.date({
              min: new Date('2026-01-01T00:00:00Z'),
              max: new Date('2027-01-01T00:00:00Z'),
              noInvalidDate: true,
            }),
            { nil: null },
          ),
        },
        { requiredKeys: [] },
      )
      .map((fields) => ({ kind: 'update' as const, fields })),
  },
  { weight: 2, arbitrary: fc.constantFrom(...TASK_STATUSES).map((to) => ({ kind: 'status' as const, to })) },
  {
    weight: 1,
    arbitrary: fc
      .record({
        summary: text,
        subtasks: fc.array(text, { maxLength: 3 }),
        category: fc.constantFrom(...TASK_CATEGORIES),
      })
      .map((r) => ({ kind: 'enrich' as const, ...r })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'remind' as const }) },
);

describe('foldHistory (property)', () => {
  it("for random sequences of updates, each before is the previous after, and the afters add up to the task's final state", () => {
    const settings = propertySettings('task history fold', 300);
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 30 }), (steps) => {
        const { task, events } = created();
        const log: HistoryEvent[] = events.map((e) => taskEvent(e));
        let enrichment = { summary: null as string | null, subtasks: [] as string[], category: null as string | null };
        for (const step of steps) {
          if (step.kind === 'update') log.push(...task.update(step.fields, t0).map((e) => taskEvent(e)));
          else if (step.kind === 'status') {
            try {
              log.push(...task.changeStatus(step.to, t0).map((e) => taskEvent(e)));
            } catch {
              // a forbidden move: no event, as through the API
            }
          } else if (step.kind === 'enrich') {
            log.push(enriched(task.version, step));
            enrichment = { summary: step.summary, subtasks: step.subtasks, category: step.category };
          } else log.push(reminder());
        }
        const { head, entries } = fold(log);

        // one entry per event, numbered 1..n, versions never going back
        expect(entries.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
        entries.forEach((e, i) => i > 0 && expect(e.version).toBeGreaterThanOrEqual(entries[i - 1].version));
        // the chain: every field's before is the after of the last entry that changed it
        const last = new Map<HistoryField, unknown>();
        for (const entry of entries) {
          for (const [field, c] of Object.entries(entry.changes) as [
            HistoryField,
            { before: unknown; after: unknown },
          ][]) {
            expect(c.before).toEqual(
              last.has(field) ? last.get(field) : entry.type === 'task.created' ? null : emptyValue(field),
            );
            expect(c.after).not.toEqual(c.before);
            last.set(field, c.after);
          }
        }
        // and the afters, replayed, are the task's final state
        const s = task.snapshot();
        const final = {
          title: s.title,
          description: s.description,
          priority: s.priority,
          status: s.status,
          dueDate: s.dueDate ? s.dueDate.toISOString() : null,
          ...enrichment,
        };
        for (const [field, value] of Object.entries(final))
          expect(
            last.has(field as HistoryField) ? last.get(field as HistoryField) : emptyValue(field as HistoryField),
          ).toEqual(value);
        expect(head?.fields).toEqual(final);
        expect(head?.version).toBe(s.version);
      }),
      settings,
    );
  });
});

/** A field's value before anything set it: the due date and the enrichment start empty. */
function emptyValue(field: HistoryField): unknown {
  return field === 'subtasks' ? [] : null;
}
