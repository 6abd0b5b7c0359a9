import { Task, taskNotFound } from '../../domain/task.js';
import type { TaskRepository } from '../../ports/task.repository.js';

/** Loads the caller's task or fails with 404 (another user's task looks exactly like a missing one). */
export async function loadOwned(tasks: TaskRepository, id: string, ownerId: string): Promise<Task> {
  const state = await tasks.findOwned(id, ownerId);
  if (!state) throw taskNotFound(id);
  return Task.restore(state);
}
