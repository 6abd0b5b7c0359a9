import type { DomainError } from './domain-error.js';

/**
 * One transaction per command. Application code wraps a command's checks and writes in `run`;
 * adapters called inside it (repositories, the event store) join that transaction. Nested runs
 * join too. A command handler returns what its `run` returned: the command bus records that value
 * with the transaction and checks it (docs/decisions/0031).
 */
export abstract class UnitOfWork {
  abstract run<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * Thrown inside `UnitOfWork.run` to refuse a command whose writes must stay (revoking a reused
 * refresh token's family, then answering 401): the transaction commits, and `run` throws
 * `refusal`. Any other error thrown inside `run` rolls the transaction back.
 */
export class CommitThenRefuse extends Error {
  constructor(readonly refusal: DomainError) {
    super(refusal.message);
  }
}
