/**
 * One transaction per command. Application code wraps a command's writes in `run`; adapters
 * called inside it (repositories, the event store) join that transaction. Nested runs join too.
 */
export abstract class UnitOfWork {
  abstract run<T>(work: () => Promise<T>): Promise<T>;
}
