import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@app/shared-kernel';
import { AppConfig } from '../config/app-config.js';
import type { Prisma } from '../database/generated/client.js';
import { PrismaService } from '../database/prisma.service.js';

/** A Prisma client bound to the open transaction. */
export type Tx = Prisma.TransactionClient;

/** Called inside the transaction, after the work and before COMMIT, with the work's result. */
export type BeforeCommitHook = (tx: Tx, result: unknown) => Promise<void>;

interface Scope {
  tx: Tx;
  afterCommit: (() => void)[];
}

const hooks = new AsyncLocalStorage<BeforeCommitHook[]>();
const recorded = new AsyncLocalStorage<{ result: unknown; used: boolean }>();

/**
 * One transaction per command, cross-cutting: a command handler wraps its writes (rows and
 * events) in `run`; nested calls join the open transaction. Edge plumbing such as idempotency
 * registers a before-commit hook for the current request with `withBeforeCommit`, so its record
 * commits atomically with the command without the handler knowing.
 */
@Injectable()
export class TransactionRunner extends UnitOfWork {
  private readonly scope = new AsyncLocalStorage<Scope>();

  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  /** The transaction the caller runs in, if any. */
  /** The open transaction when there is one, else the plain client: what an adapter queries through. */
  get client(): Tx {
    return this.current() ?? this.prisma;
  }

  current(): Tx | undefined {
    return this.scope.getStore()?.tx;
  }

  /** `timeoutMs`: how long the transaction may stay open (default: the statement timeout, at least 5 s). */
  async run<T>(work: (tx: Tx) => Promise<T>, options: { timeoutMs?: number } = {}): Promise<T> {
    const open = this.scope.getStore();
    if (open) return work(open.tx);
    const replay = recorded.getStore();
    if (replay && !replay.used) {
      replay.used = true;
      return replay.result as T;
    }
    const pending = hooks.getStore();
    const afterCommit: (() => void)[] = [];
    const result = await this.prisma.$transaction(
      (tx) =>
        this.scope.run({ tx, afterCommit }, async () => {
          const result = await work(tx);
          if (pending) for (const hook of pending.splice(0)) await hook(tx, result);
          return result;
        }),
      { maxWait: this.config.database.acquireTimeoutMs, timeout: options.timeoutMs ?? Math.max(this.config.database.statementTimeoutMs, 5_000) },
    );
    for (const callback of afterCommit) callback();
    return result;
  }

  /** Calls `callback` once the open transaction has committed (never if it rolls back); at once outside one. */
  afterCommit(callback: () => void): void {
    const open = this.scope.getStore();
    if (open) open.afterCommit.push(callback);
    else callback();
  }

  /** Runs `work` so that the next command transaction inside it calls `hook` before committing. */
  static withBeforeCommit<T>(hook: BeforeCommitHook, work: () => T): T {
    return hooks.run([hook], work);
  }

  /**
   * Runs `work` so that the next command transaction inside it does not run: it returns
   * `result`, the result a committed transaction recorded earlier. Idempotency uses it to rebuild
   * the response of a command that committed but whose response was lost (a crash between
   * COMMIT and storing the response): the route runs again and writes nothing.
   */
  static withRecordedResult<T>(result: unknown, work: () => T): T {
    return recorded.run({ result, used: false }, work);
  }
}
