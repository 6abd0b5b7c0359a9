import type { DomainError } from '@app/shared-kernel';
import { contextSlot } from '../context/async-context.js';
import type { Database } from '../database/database.js';

/**
 * What a command's transaction committed: the value its `run` returned (or the refusal it
 * committed, see CommitThenRefuse), and the consistency token of the events it appended. It is all
 * a response may be built from, so a rebuilt response equals the one that was lost.
 */
export interface CommandOutcome {
  value?: unknown;
  refusal?: DomainError;
  consistencyToken?: string;
}

/** Writes the outcome inside the command's transaction, just before COMMIT (idempotency's key row). */
export type RecordOutcome = (db: Database, outcome: CommandOutcome) => Promise<void>;

/** One command running through the CommandBus (RecordedCommandBus). */
export interface CommandScope {
  readonly name: string;
  record?: RecordOutcome;
  /** Its one transaction has been opened. */
  opened?: boolean;
  /** What its transaction committed. */
  committed?: CommandOutcome;
}

/** A request with an Idempotency-Key: its one command records its outcome, or (a retry) replays it. */
export interface KeyedRequest {
  record: RecordOutcome;
  replay?: CommandOutcome;
  commands: number;
}

// In the process's one async context (docs/decisions/0057).
export const commandScope = contextSlot<CommandScope>('command');
export const keyedRequest = contextSlot<KeyedRequest>('keyed request');

/**
 * Throws unless `value` survives being recorded as JSON and read back: plain objects, arrays,
 * strings, finite numbers, booleans, null, undefined, `Date` and `bigint` (docs/decisions/0031).
 */
export function assertPlainData(value: unknown, command: string, path = 'result'): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return;
    case 'number':
      if (Number.isFinite(value)) return;
      break;
    case 'object': {
      if (value === null || value instanceof Date) return;
      if (Array.isArray(value)) {
        value.forEach((item, i) => assertPlainData(item, command, `${path}[${i}]`));
        return;
      }
      const proto = Object.getPrototypeOf(value) as object | null;
      if (proto !== Object.prototype && proto !== null) break;
      for (const [key, item] of Object.entries(value)) assertPlainData(item, command, `${path}.${key}`);
      return;
    }
  }
  const what =
    typeof value === 'object'
      ? `an instance of ${(value as object).constructor?.name ?? 'a class'}`
      : // what the switch leaves: a number that is not finite, a function or a symbol
        typeof value === 'number' || typeof value === 'function' || typeof value === 'symbol'
        ? String(value)
        : typeof value;
  throw new Error(
    `${command}: its transaction returns ${what} at ${path}; a command returns plain data (objects, arrays, strings, finite numbers, Date, bigint), which is what gets recorded`,
  );
}
