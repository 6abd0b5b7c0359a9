import type { Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

/**
 * The process's one async context (docs/decisions/0057). On Node 20 every enabled
 * AsyncLocalStorage adds work to every promise the process creates, so the request context, the
 * open transaction and the active span share one: OpenTelemetry's context manager, which the
 * tracing SDK registers as its own when it starts. Values live under their own keys of the
 * immutable OpenTelemetry `Context`.
 */
export const contextManager = new AsyncLocalStorageContextManager();

/** The active context (ROOT_CONTEXT outside any). */
export function activeContext(): Context {
  return contextManager.active();
}

/** Runs `work` with `context` active for it and everything it starts. */
export function runInContext<T>(context: Context, work: () => T): T {
  return contextManager.with(context, work);
}

/** One value kept in the async context under its own key. */
export interface ContextSlot<T> {
  /** The value in the active context, if any. */
  get(): T | undefined;
  /** Runs `work` with the value set on top of the active context (the rest is kept). */
  run<R>(value: T, work: () => R): R;
  /** `context` with the value set. */
  set(context: Context, value: T): Context;
}

/** A new slot: each call has its own key (not OpenTelemetry's createContextKey, which is shared by name). */
export function contextSlot<T>(name: string): ContextSlot<T> {
  const key = Symbol(name);
  return {
    get: () => contextManager.active().getValue(key) as T | undefined,
    run: (value, work) => contextManager.with(contextManager.active().setValue(key, value), work),
    set: (context, value) => context.setValue(key, value),
  };
}
