/** The task statuses users_read counts, as the tasks slice's events name them. */
export const TASK_STATUSES = ['pending', 'in_progress', 'completed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type TaskCounts = Record<TaskStatus, number>;

/** A row of users_read: the profile `GET /users/me` answers with. */
export interface UsersReadRow {
  id: string;
  name: string;
  email: string;
  displayName: string | null;
  createdAt: Date;
  taskCounts: TaskCounts;
}

/** Reads users_read (queries skip the domain). */
export abstract class UsersReadModel {
  abstract byId(id: string): Promise<UsersReadRow | null>;
}
