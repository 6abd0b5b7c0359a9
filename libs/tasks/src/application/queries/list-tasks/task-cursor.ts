import { DomainError, isUuid } from '@app/shared-kernel';
import { NO_DUE_DATE, PRIORITY_RANK, type TaskSortField, type TaskView } from '../../../ports/task-read-model.js';

/**
 * Opaque keyset cursor: base64url of [sort, key, id]. It names its sort, so a cursor used with
 * another sort is rejected rather than silently skipping rows.
 */
export function encodeCursor(sort: string, field: TaskSortField, last: TaskView): string {
  const key =
    field === 'createdAt'
      ? last.createdAt
      : field === 'dueDate'
        ? (last.dueDate ?? NO_DUE_DATE.toISOString())
        : PRIORITY_RANK[last.priority];
  return Buffer.from(JSON.stringify([sort, key, last.id])).toString('base64url');
}

export function decodeCursor(cursor: string, sort: string, field: TaskSortField): { key: string | number; id: string } {
  const invalid = () =>
    new DomainError('invalid', 'invalid-cursor', 'The cursor is not one this list returned (or the sort changed).', {
      errors: [{ field: 'cursor', message: 'cursor is invalid' }],
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    parsed[0] !== sort ||
    typeof parsed[2] !== 'string' ||
    !isUuid(parsed[2])
  )
    throw invalid();
  const key: unknown = parsed[1];
  if (
    field === 'priority'
      ? !(typeof key === 'number' && Number.isInteger(key) && key >= 1 && key <= 4)
      : !(typeof key === 'string' && !Number.isNaN(Date.parse(key)))
  )
    throw invalid();
  return { key: key as string | number, id: parsed[2] };
}
