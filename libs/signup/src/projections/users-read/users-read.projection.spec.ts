import type { UsersReadRow } from '../../ports/users.read-model';
import { applyUsersReadChange, usersReadChange } from './users-read.projection';

const U = '11111111-1111-4111-8111-111111111111';
const signedUp = {
  type: 'user.signed_up',
  payload: { userId: U, name: 'Ada', email: 'Ada@x.io', displayName: 'ada', createdAt: '2026-01-01T00:00:00.000Z' },
};
const created = (status = 'pending') => ({
  type: 'task.created',
  payload: { ownerId: U, title: 't', priority: 'medium', status, dueDate: null },
});
const moved = (from: string, to: string) => ({ type: 'task.status_changed', payload: { ownerId: U, from, to } });
const deleted = (status: string) => ({ type: 'task.deleted', payload: { ownerId: U, status } });

function project(events: { type: string; payload: unknown }[]): Map<string, UsersReadRow> {
  return events.reduce((rows, e) => applyUsersReadChange(rows, usersReadChange(e)), new Map<string, UsersReadRow>());
}

describe('users_read projection', () => {
  it('creates the row from user.signed_up with zero counts', () => {
    expect(project([signedUp]).get(U)).toEqual({
      id: U,
      name: 'Ada',
      email: 'Ada@x.io',
      displayName: 'ada',
      createdAt: new Date('2026-01-01T00:00:00.000Z'),
      taskCounts: { pending: 0, in_progress: 0, completed: 0, cancelled: 0 },
    });
  });

  it('keeps task counts by status from task events', () => {
    const rows = project([
      signedUp,
      created(),
      created(),
      created(),
      moved('pending', 'in_progress'),
      moved('in_progress', 'completed'),
      moved('pending', 'cancelled'),
      deleted('completed'),
      created(),
    ]);
    expect(rows.get(U)!.taskCounts).toEqual({ pending: 2, in_progress: 0, completed: 0, cancelled: 1 });
  });

  it('ignores a replayed signup, unknown statuses, other types, and never goes below zero', () => {
    const rows = project([
      signedUp,
      { ...signedUp, payload: { ...signedUp.payload, name: 'Other' } },
      moved('pending', 'bogus'),
      deleted('pending'),
      { type: 'task.commented', payload: {} },
    ]);
    expect(rows.get(U)!.name).toBe('Ada');
    expect(rows.get(U)!.taskCounts.pending).toBe(0);
    expect(usersReadChange(moved('pending', 'pending'))).toEqual({ kind: 'none' });
  });
});
