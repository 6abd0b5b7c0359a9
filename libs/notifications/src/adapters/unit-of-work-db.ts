import type { TransactionRunner } from '@app/platform';

/** The query builder on the open transaction; `what` (an adapter) must run inside a unit of work. */
export function unitOfWorkDb(transactions: TransactionRunner, what: string): TransactionRunner['db'] {
  if (!transactions.current()) throw new Error(`${what} must run inside a unit of work`);
  return transactions.db;
}
