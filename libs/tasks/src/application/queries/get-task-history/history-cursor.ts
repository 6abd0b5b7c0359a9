import { DomainError } from '@app/shared-kernel';

/**
 * Opaque keyset cursor of a task's history: base64url of `h.<seq>`, the entry number of the last
 * item of the previous page. Entries are numbered in the order the projection folds them (the
 * log's commit order) and never renumbered, so paging misses and repeats none.
 */
export function encodeHistoryCursor(seq: number): string {
  return Buffer.from(`h.${seq}`).toString('base64url');
}

export function decodeHistoryCursor(cursor: string): number {
  const m = /^[A-Za-z0-9_-]{1,20}$/.test(cursor)
    ? /^h\.([1-9]\d{0,8})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'))
    : null;
  if (!m)
    throw new DomainError('invalid', 'invalid-cursor', 'The cursor is not one this history returned.', {
      errors: [{ field: 'cursor', message: 'cursor is invalid' }],
    });
  return Number(m[1]);
}
