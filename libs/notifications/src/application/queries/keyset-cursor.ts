import { DomainError, isUuid } from '@app/shared-kernel';

/** Opaque keyset cursor of the newest-first lists (notifications, deliveries): base64url of [createdAt, id] of a page's last item. */
export const encodeCursor = (last: { createdAt: string; id: string }): string =>
  Buffer.from(JSON.stringify([last.createdAt, last.id])).toString('base64url');

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'string' ||
    !ISO.test(parsed[0]) ||
    Number.isNaN(Date.parse(parsed[0])) ||
    typeof parsed[1] !== 'string' ||
    !isUuid(parsed[1])
  ) {
    throw new DomainError('invalid', 'invalid-cursor', 'The cursor is not one this list returned.', {
      errors: [{ field: 'cursor', message: 'cursor is invalid' }],
    });
  }
  return { createdAt: parsed[0], id: parsed[1] };
}
