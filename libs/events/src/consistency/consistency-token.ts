import { CONSISTENCY_HEADER } from '@app/platform';
import type { LogPoint } from '../engine/event-log.js';

/**
 * `X-Consistency-Token`: where a command's last event stands in the log's commit order,
 * `<transaction id>.<position>` (opaque to clients). A projection has caught up with it once its
 * checkpoint is at or past that point (docs/decisions/0014). configureHttp sets it on responses.
 */
export { CONSISTENCY_HEADER };

export function formatToken(point: LogPoint): string {
  return `${point.transactionId}.${point.position}`;
}

/** The point a token names, or undefined when it is malformed. */
export function parseToken(token: string): LogPoint | undefined {
  const m = /^(\d{1,20})\.(\d{1,19})$/.exec(token.trim());
  if (!m) return undefined;
  const point = { transactionId: BigInt(m[1]), position: BigInt(m[2]) };
  return point.transactionId < 2n ** 64n && point.position < 2n ** 63n ? point : undefined;
}

export function comparePoints(a: LogPoint, b: LogPoint): number {
  if (a.transactionId !== b.transactionId) return a.transactionId < b.transactionId ? -1 : 1;
  return a.position === b.position ? 0 : a.position < b.position ? -1 : 1;
}
