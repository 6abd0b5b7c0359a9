import { DomainError, type FieldError } from '@app/shared-kernel';
import type { TaskEvent } from './task.events.js';

import { TASK_PRIORITIES, TASK_STATUSES, type TaskPriority, type TaskStatus } from './task.values.js';

export { TASK_PRIORITIES, TASK_STATUSES, type TaskPriority, type TaskStatus };

/** The caller's task does not exist (another user's task looks exactly like a missing one). */
export const taskNotFound = (id: string) =>
  new DomainError('not_found', 'task-not-found', `Task ${id} does not exist.`);

export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 10_000;

/** The task's state as the write table stores it. */
export interface TaskState {
  id: string;
  ownerId: string;
  title: string;
  description: string;
  priority: TaskPriority;
  status: TaskStatus;
  dueDate: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface TaskFields {
  title: string;
  description: string;
  priority: TaskPriority;
  dueDate: Date | null;
}

const TERMINAL: readonly TaskStatus[] = ['completed', 'cancelled'];

/** The status machine: any move between live states; out of a terminal state only a reopen to pending. */
export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  if (from === to) return false;
  if (TERMINAL.includes(from)) return to === 'pending';
  return true;
}

function validate(fields: Partial<TaskFields>): Partial<TaskFields> {
  const errors: FieldError[] = [];
  const out: Partial<TaskFields> = {};
  if (fields.title !== undefined) {
    const title = fields.title.trim();
    if (title.length < 1 || title.length > TITLE_MAX)
      errors.push({ field: 'title', message: `title must be 1 to ${TITLE_MAX} characters` });
    out.title = title;
  }
  if (fields.description !== undefined) {
    if (fields.description.length > DESCRIPTION_MAX)
      errors.push({ field: 'description', message: `description must be at most ${DESCRIPTION_MAX} characters` });
    out.description = fields.description;
  }
  if (fields.priority !== undefined) {
    if (!TASK_PRIORITIES.includes(fields.priority))
      errors.push({ field: 'priority', message: `priority must be one of ${TASK_PRIORITIES.join(', ')}` });
    out.priority = fields.priority;
  }
  if (fields.dueDate !== undefined) {
    if (fields.dueDate !== null && Number.isNaN(fields.dueDate.getTime()))
      errors.push({ field: 'dueDate', message: 'dueDate must be an ISO 8601 date' });
    out.dueDate = fields.dueDate;
  }
  if (errors.length) throw new DomainError('invalid', 'validation-failed', 'The task has invalid fields.', { errors });
  return out;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * The Task aggregate. Commands are methods that check the rules, change the state, bump the
 * version and return the events they caused; nothing here does I/O or reads the clock.
 */
export class Task {
  private constructor(private state: TaskState) {}

  static create(input: { id: string; ownerId: string; now: Date } & Partial<TaskFields> & { title: string }): {
    task: Task;
    events: TaskEvent[];
  } {
    const f = validate({
      title: input.title,
      description: input.description ?? '',
      priority: input.priority ?? 'medium',
      dueDate: input.dueDate ?? null,
    }) as TaskFields;
    const task = new Task({
      id: input.id,
      ownerId: input.ownerId,
      ...f,
      status: 'pending',
      version: 1,
      createdAt: input.now,
      updatedAt: input.now,
    });
    const event: TaskEvent = {
      type: 'task.created',
      version: 1,
      payload: {
        ownerId: input.ownerId,
        title: f.title,
        description: f.description,
        priority: f.priority,
        status: 'pending',
        dueDate: iso(f.dueDate),
        createdAt: input.now.toISOString(),
      },
    };
    return { task, events: [event] };
  }

  static restore(state: TaskState): Task {
    return new Task({ ...state });
  }

  get id(): string {
    return this.state.id;
  }
  get version(): number {
    return this.state.version;
  }
  snapshot(): TaskState {
    return { ...this.state };
  }

  /** Optimistic concurrency at the edge: an `If-Match` naming another version fails with 412. */
  assertVersion(expected: number | undefined): void {
    if (expected !== undefined && expected !== this.state.version) {
      throw new DomainError(
        'precondition_failed',
        'version-mismatch',
        `The task is at version ${this.state.version}, not ${expected}.`,
      );
    }
  }

  /** Applies the given fields (PATCH: only those present; PUT: all, defaults filled by the caller). */
  update(fields: Partial<TaskFields>, now: Date): TaskEvent[] {
    const valid = validate(fields);
    const changes: Record<string, unknown> = {};
    for (const key of Object.keys(valid) as (keyof TaskFields)[]) {
      const next = valid[key];
      const prev = this.state[key];
      const same =
        next instanceof Date || prev instanceof Date
          ? iso(next as Date | null) === iso(prev as Date | null)
          : next === prev;
      if (same) continue;
      (this.state as unknown as Record<string, unknown>)[key] = next;
      changes[key] = next instanceof Date || next === null ? iso(next) : next;
    }
    if (Object.keys(changes).length === 0) return [];
    this.bump(now);
    return [
      {
        type: 'task.updated',
        version: this.state.version,
        payload: { ownerId: this.state.ownerId, changes, updatedAt: now.toISOString() },
      },
    ];
  }

  changeStatus(to: TaskStatus, now: Date): TaskEvent[] {
    if (!TASK_STATUSES.includes(to)) {
      throw new DomainError('invalid', 'validation-failed', 'The task has invalid fields.', {
        errors: [{ field: 'status', message: `status must be one of ${TASK_STATUSES.join(', ')}` }],
      });
    }
    const from = this.state.status;
    if (from === to) return [];
    if (!canTransition(from, to)) {
      throw new DomainError(
        'invalid',
        'forbidden-transition',
        `A ${from} task can only be reopened to pending, not moved to ${to}.`,
      );
    }
    this.state.status = to;
    this.bump(now);
    return [
      {
        type: 'task.status_changed',
        version: this.state.version,
        payload: { ownerId: this.state.ownerId, from, to, changedAt: now.toISOString() },
      },
    ];
  }

  delete(now: Date): TaskEvent[] {
    this.bump(now);
    return [
      {
        type: 'task.deleted',
        version: this.state.version,
        payload: { ownerId: this.state.ownerId, status: this.state.status, deletedAt: now.toISOString() },
      },
    ];
  }

  private bump(now: Date): void {
    this.state.version += 1;
    this.state.updatedAt = now;
  }
}
