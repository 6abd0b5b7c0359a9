import type { TransactionRunner, Tx } from '@app/platform';

/** The open transaction, which these adapters must run inside. */
export function openTransaction(transactions: TransactionRunner, what: string): Tx {
  const tx = transactions.current();
  if (!tx) throw new Error(`${what} must run inside a unit of work`);
  return tx;
}
