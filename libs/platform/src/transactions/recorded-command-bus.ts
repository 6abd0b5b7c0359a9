import { Injectable } from '@nestjs/common';
import { type AsyncContext, CommandBus, type ICommand } from '@nestjs/cqrs';
import { requestContext } from '../context/request-context.js';
import {
  type CommandOutcome,
  type CommandScope,
  commandScope,
  keyedRequest,
  type RecordOutcome,
} from './command-scope.js';

/**
 * The application's CommandBus (PlatformModule provides it under Nest's CommandBus token, so
 * every controller and the CQRS module's handler registration get this one instance). It makes
 * "a command returns what its transaction committed" a property of the bus rather than of each
 * handler (docs/decisions/0031):
 *
 * - every command runs in a command scope; the unit of work reports the outcome its one
 *   transaction committed, and the bus checks that the handler returned that very value (`===`),
 *   or threw that very committed refusal. A handler that returns something computed outside its
 *   transaction fails on every call, not only after a crash;
 * - in a request with an Idempotency-Key, the outcome is written with the key inside the
 *   transaction (`recording`), and a retry whose command committed gets that outcome back
 *   without the handler being invoked at all (`replaying`): checks made before the
 *   transaction never run again, and the response is built from what committed.
 */
@Injectable()
export class RecordedCommandBus extends CommandBus {
  /** Runs `work` (a keyed request's route) so that its command writes its outcome with `record` before COMMIT. */
  static recording<T>(record: RecordOutcome, work: () => T): T {
    return keyedRequest.run({ record, commands: 0 }, work);
  }

  /** Runs `work` (a keyed request's route, again) so that its command is not executed: it returns or throws `outcome`. */
  static replaying<T>(outcome: CommandOutcome, work: () => T): T {
    return keyedRequest.run({ record: rejectRecord, replay: outcome, commands: 0 }, work);
  }

  // Generic in the result, as CommandBus's own overloads type it by command for callers.
  override async execute<R>(command: ICommand, context?: AsyncContext): Promise<R> {
    const name = command.constructor.name;
    const keyed = keyedRequest.get();
    if (keyed && keyed.commands++ > 0)
      throw new Error(`${name}: a request with an Idempotency-Key executes one command`);
    if (keyed?.replay) {
      requestContext.noteConsistencyToken(keyed.replay.consistencyToken);
      if (keyed.replay.refusal) throw keyed.replay.refusal;
      return keyed.replay.value as R;
    }
    const scope: CommandScope = { name, record: keyed?.record };
    let value: unknown;
    try {
      value = await commandScope.run(scope, () => super.execute(command, context));
    } catch (err) {
      const committed = scope.committed;
      if (committed && committed.refusal !== err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new Error(
          `${name}: the handler failed after its transaction committed; it returns (or throws) what its transaction committed (${reason})`,
          { cause: err },
        );
      }
      throw err;
    }
    const committed = scope.committed;
    if (committed && (committed.refusal || committed.value !== value)) {
      throw new Error(
        `${name}: the handler returned a value its transaction did not return; return the value of its unit of work's run`,
      );
    }
    return value as R;
  }
}

const rejectRecord: RecordOutcome = () => Promise.reject(new Error('a replayed command records nothing'));
