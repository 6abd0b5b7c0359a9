import fc from 'fast-check';
import { propertySettings } from '../../../../test/support/property-seed';
import { decideReminder, foldTaskFact, reminderTimerKey, type TaskDue, type TaskFact } from './reminder';

const now = new Date('2026-12-05T12:00:00.000Z');
const at = (minutesFromNow: number) => new Date(now.getTime() + minutesFromNow * 60_000);
const task = (over: Partial<TaskDue> = {}): TaskDue => ({
  taskId: 't1',
  ownerId: 'u1',
  title: 'Ship it',
  dueDate: at(180),
  open: true,
  ...over,
});
const created = (dueDate: Date | null): TaskFact => ({
  type: 'task.created',
  taskId: 't1',
  payload: { ownerId: 'u1', title: 'Ship it', dueDate: dueDate?.toISOString() ?? null },
});

describe('decideReminder', () => {
  it('schedules at dueDate - lead', () => {
    expect(decideReminder(task({ dueDate: at(180) }), 60, now)).toEqual({
      kind: 'schedule',
      at: at(120),
      dueDate: at(180),
    });
  });

  it('fires at once when dueDate - lead has passed but the due date has not', () => {
    expect(decideReminder(task({ dueDate: at(30) }), 60, now)).toEqual({ kind: 'schedule', at: now, dueDate: at(30) });
  });

  it('schedules nothing for a past (or present) due date, no due date, a closed task or no task', () => {
    expect(decideReminder(task({ dueDate: at(-1) }), 60, now)).toEqual({ kind: 'cancel' });
    expect(decideReminder(task({ dueDate: now }), 0, now)).toEqual({ kind: 'cancel' });
    expect(decideReminder(task({ dueDate: null }), 60, now)).toEqual({ kind: 'cancel' });
    expect(decideReminder(task({ open: false }), 60, now)).toEqual({ kind: 'cancel' });
    expect(decideReminder(null, 60, now)).toEqual({ kind: 'cancel' });
  });

  it('a lead of 0 fires at the due date; a longer lead moves the reminder earlier', () => {
    expect(decideReminder(task(), 0, now)).toMatchObject({ at: at(180) });
    expect(decideReminder(task(), 120, now)).toMatchObject({ at: at(60) });
  });

  it('property: a reminder is never after its due date nor before now, and exists exactly when the open task is due in the future', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -20_000, max: 20_000 }),
        fc.integer({ min: 0, max: 10_080 }),
        fc.boolean(),
        (dueInMinutes, lead, open) => {
          const decision = decideReminder(task({ dueDate: at(dueInMinutes), open }), lead, now);
          expect(decision.kind === 'schedule').toBe(open && dueInMinutes > 0);
          if (decision.kind === 'schedule') {
            expect(decision.at.getTime()).toBeGreaterThanOrEqual(now.getTime());
            expect(decision.at.getTime()).toBeLessThanOrEqual(at(dueInMinutes).getTime());
            expect(decision.at.getTime()).toBe(Math.max(now.getTime(), at(dueInMinutes - lead).getTime()));
          }
        },
      ),
      propertySettings('decideReminder', 500),
    );
  });
});

describe('foldTaskFact then decideReminder: the reminder follows the task', () => {
  const decide = (state: TaskDue | null) => decideReminder(state, 60, now);
  const fold = (...facts: TaskFact[]) => facts.reduce<TaskDue | null>(foldTaskFact, null);

  it('task.created with a due date schedules; without one, nothing', () => {
    expect(decide(fold(created(at(180))))).toMatchObject({ kind: 'schedule', at: at(120) });
    expect(decide(fold(created(null)))).toEqual({ kind: 'cancel' });
  });

  it('task.updated moving the due date moves the reminder; clearing it cancels; other changes keep it', () => {
    const moved: TaskFact = {
      type: 'task.updated',
      taskId: 't1',
      payload: { ownerId: 'u1', changes: { dueDate: at(600).toISOString() } },
    };
    expect(decide(fold(created(at(180)), moved))).toMatchObject({ kind: 'schedule', at: at(540) });
    const cleared: TaskFact = {
      type: 'task.updated',
      taskId: 't1',
      payload: { ownerId: 'u1', changes: { dueDate: null } },
    };
    expect(decide(fold(created(at(180)), cleared))).toEqual({ kind: 'cancel' });
    const renamed: TaskFact = {
      type: 'task.updated',
      taskId: 't1',
      payload: { ownerId: 'u1', changes: { title: 'Renamed' } },
    };
    const state = fold(created(at(180)), renamed);
    expect(state).toMatchObject({ title: 'Renamed', dueDate: at(180) });
    expect(decide(state)).toMatchObject({ kind: 'schedule', at: at(120) });
  });

  it('completed, cancelled and deleted cancel; reopened with a future due date gets the reminder back', () => {
    const to = (status: string): TaskFact => ({
      type: 'task.status_changed',
      taskId: 't1',
      payload: { ownerId: 'u1', to: status },
    });
    expect(decide(fold(created(at(180)), to('completed')))).toEqual({ kind: 'cancel' });
    expect(decide(fold(created(at(180)), to('cancelled')))).toEqual({ kind: 'cancel' });
    expect(decide(fold(created(at(180)), { type: 'task.deleted', taskId: 't1', payload: { ownerId: 'u1' } }))).toEqual({
      kind: 'cancel',
    });
    expect(decide(fold(created(at(180)), to('in_progress')))).toMatchObject({ kind: 'schedule' });
    expect(decide(fold(created(at(180)), to('completed'), to('pending')))).toMatchObject({
      kind: 'schedule',
      at: at(120),
    });
    expect(decide(fold(created(at(-5)), to('completed'), to('pending')))).toEqual({ kind: 'cancel' });
  });

  it('an update or status change of a task never seen (created before the slice existed) is ignored', () => {
    expect(fold({ type: 'task.status_changed', taskId: 't1', payload: { ownerId: 'u1', to: 'pending' } })).toBeNull();
  });

  it('one timer key per task', () => {
    expect(reminderTimerKey('t1')).toBe('task_reminder:t1');
    expect(reminderTimerKey('t1')).not.toBe(reminderTimerKey('t2'));
  });
});
