/**
 * users_read as a pure function: one event in, the change to the read table out. The projector
 * (users-read.projector.ts) applies the change with SQL inside the engine's transaction.
 */
import { USER_SIGNED_UP } from '../../domain/user.js';
import { TASK_STATUSES, type TaskCounts, type TaskStatus, type UsersReadRow } from '../../ports/users.read-model.js';

export const USERS_READ_EVENT_TYPES = [USER_SIGNED_UP, 'task.created', 'task.status_changed', 'task.deleted'] as const;

export type UsersReadChange =
  | { kind: 'insert'; row: UsersReadRow }
  | { kind: 'adjust'; userId: string; deltas: Partial<TaskCounts> }
  | { kind: 'none' };

interface EventLike {
  type: string;
  payload: unknown;
}

const isStatus = (s: unknown): s is TaskStatus =>
  typeof s === 'string' && (TASK_STATUSES as readonly string[]).includes(s);

export function emptyCounts(): TaskCounts {
  return { pending: 0, in_progress: 0, completed: 0, cancelled: 0 };
}

export function usersReadChange(event: EventLike): UsersReadChange {
  const p = (event.payload ?? {}) as Record<string, unknown>;
  switch (event.type) {
    case USER_SIGNED_UP:
      return {
        kind: 'insert',
        row: {
          id: String(p.userId),
          name: String(p.name),
          email: String(p.email),
          displayName: typeof p.displayName === 'string' ? p.displayName : null,
          createdAt: new Date(String(p.createdAt)),
          taskCounts: emptyCounts(),
        },
      };
    case 'task.created':
      return typeof p.ownerId === 'string'
        ? { kind: 'adjust', userId: p.ownerId, deltas: { [isStatus(p.status) ? p.status : 'pending']: 1 } }
        : { kind: 'none' };
    case 'task.status_changed': {
      if (typeof p.ownerId !== 'string' || !isStatus(p.from) || !isStatus(p.to) || p.from === p.to)
        return { kind: 'none' };
      return { kind: 'adjust', userId: p.ownerId, deltas: { [p.from]: -1, [p.to]: 1 } };
    }
    case 'task.deleted':
      return typeof p.ownerId === 'string' && isStatus(p.status)
        ? { kind: 'adjust', userId: p.ownerId, deltas: { [p.status]: -1 } }
        : { kind: 'none' };
    default:
      return { kind: 'none' };
  }
}

/** Applies a change to in-memory rows: the reference semantics the SQL adapter must match (counts never go below 0). */
export function applyUsersReadChange(
  rows: ReadonlyMap<string, UsersReadRow>,
  change: UsersReadChange,
): Map<string, UsersReadRow> {
  const next = new Map(rows);
  if (change.kind === 'insert') {
    if (!next.has(change.row.id)) next.set(change.row.id, change.row);
  } else if (change.kind === 'adjust') {
    const row = next.get(change.userId);
    if (row) {
      const counts = { ...row.taskCounts };
      for (const [status, delta] of Object.entries(change.deltas) as [TaskStatus, number][])
        counts[status] = Math.max(0, counts[status] + delta);
      next.set(row.id, { ...row, taskCounts: counts });
    }
  }
  return next;
}
