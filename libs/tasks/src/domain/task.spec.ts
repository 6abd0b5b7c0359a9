import { DomainError } from '@app/shared-kernel';
import { canTransition, Task, TASK_STATUSES, type TaskStatus } from './task';

const now = new Date('2026-01-01T00:00:00.000Z');
const later = new Date('2026-01-02T00:00:00.000Z');
const base = { id: '00000000-0000-4000-8000-000000000001', ownerId: '00000000-0000-4000-8000-0000000000aa', now };

function errorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    return e as DomainError;
  }
  throw new Error('expected a DomainError');
}

function taskIn(status: TaskStatus): Task {
  return Task.restore({ ...Task.create({ ...base, title: 't' }).task.snapshot(), status });
}

describe('Task.create', () => {
  it('defaults priority to medium, status to pending, version 1, and emits task.created', () => {
    const { task, events } = Task.create({ ...base, title: '  Write docs ' });
    expect(task.snapshot()).toMatchObject({
      title: 'Write docs',
      description: '',
      priority: 'medium',
      status: 'pending',
      version: 1,
      dueDate: null,
    });
    expect(events).toEqual([
      {
        type: 'task.created',
        version: 1,
        payload: {
          ownerId: base.ownerId,
          title: 'Write docs',
          description: '',
          priority: 'medium',
          status: 'pending',
          dueDate: null,
          createdAt: now.toISOString(),
        },
      },
    ]);
  });

  it.each([
    ['empty title', { title: '   ' }, 'title'],
    ['title over 200', { title: 'x'.repeat(201) }, 'title'],
    ['description over 10000', { title: 't', description: 'x'.repeat(10_001) }, 'description'],
    ['unknown priority', { title: 't', priority: 'extreme' as never }, 'priority'],
    ['invalid date', { title: 't', dueDate: new Date('nope') }, 'dueDate'],
  ])('rejects %s (422 validation-failed)', (_, input, field) => {
    const err = errorOf(() => Task.create({ ...base, ...input }));
    expect(err).toBeInstanceOf(DomainError);
    expect(err.kind).toBe('invalid');
    expect(err.details.errors?.map((e) => e.field)).toEqual([field]);
  });

  it('accepts the bounds: 200-char title, 10000-char description', () => {
    expect(() => Task.create({ ...base, title: 'x'.repeat(200), description: 'y'.repeat(10_000) })).not.toThrow();
  });
});

describe('status machine', () => {
  const allowed: Record<TaskStatus, TaskStatus[]> = {
    pending: ['in_progress', 'completed', 'cancelled'],
    in_progress: ['pending', 'completed', 'cancelled'],
    completed: ['pending'],
    cancelled: ['pending'],
  };
  for (const from of TASK_STATUSES) {
    for (const to of TASK_STATUSES) {
      if (from === to) continue;
      const ok = allowed[from].includes(to);
      it(`${from} -> ${to} is ${ok ? 'allowed' : 'forbidden (422)'}`, () => {
        expect(canTransition(from, to)).toBe(ok);
        const task = taskIn(from);
        if (ok) {
          const events = task.changeStatus(to, later);
          expect(events).toEqual([
            {
              type: 'task.status_changed',
              version: 2,
              payload: { ownerId: base.ownerId, from, to, changedAt: later.toISOString() },
            },
          ]);
          expect(task.snapshot()).toMatchObject({ status: to, version: 2, updatedAt: later });
        } else {
          const err = errorOf(() => task.changeStatus(to, later));
          expect([err.kind, err.code]).toEqual(['invalid', 'forbidden-transition']);
          expect(task.version).toBe(1);
        }
      });
    }
  }

  it('the same status is a no-op: no event, no new version', () => {
    const task = taskIn('completed');
    expect(task.changeStatus('completed', later)).toEqual([]);
    expect(task.version).toBe(1);
  });

  it('rejects an unknown status as validation', () => {
    expect(errorOf(() => taskIn('pending').changeStatus('done' as never, later)).code).toBe('validation-failed');
  });
});

describe('update, delete and versions', () => {
  it('update emits only the changed fields and bumps the version once', () => {
    const { task } = Task.create({ ...base, title: 'a', priority: 'low' });
    const events = task.update({ title: 'a', priority: 'high', dueDate: new Date('2026-03-01T00:00:00Z') }, later);
    expect(events).toEqual([
      {
        type: 'task.updated',
        version: 2,
        payload: {
          ownerId: base.ownerId,
          changes: { priority: 'high', dueDate: '2026-03-01T00:00:00.000Z' },
          updatedAt: later.toISOString(),
        },
      },
    ]);
    expect(task.version).toBe(2);
  });

  it('an update that changes nothing emits nothing and keeps the version', () => {
    const { task } = Task.create({ ...base, title: 'a' });
    expect(task.update({ title: 'a', dueDate: null }, later)).toEqual([]);
    expect(task.version).toBe(1);
  });

  it('update validates like create', () => {
    const { task } = Task.create({ ...base, title: 'a' });
    expect(errorOf(() => task.update({ title: '' }, later)).kind).toBe('invalid');
    expect(task.version).toBe(1);
  });

  it('delete emits task.deleted with the last status', () => {
    const task = taskIn('in_progress');
    expect(task.delete(later)).toEqual([
      {
        type: 'task.deleted',
        version: 2,
        payload: { ownerId: base.ownerId, status: 'in_progress', deletedAt: later.toISOString() },
      },
    ]);
  });

  it('assertVersion: a stale expected version is 412 version-mismatch; absent passes', () => {
    const { task } = Task.create({ ...base, title: 'a' });
    expect(() => task.assertVersion(undefined)).not.toThrow();
    expect(() => task.assertVersion(1)).not.toThrow();
    const err = errorOf(() => task.assertVersion(0));
    expect([err.kind, err.code]).toEqual(['precondition_failed', 'version-mismatch']);
  });
});
