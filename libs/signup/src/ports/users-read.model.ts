import type { UsersReadRow } from '../projections/users-read/users-read.projection.js';

/** Reads users_read (queries skip the domain). */
export abstract class UsersReadModel {
  abstract byId(id: string): Promise<UsersReadRow | null>;
}
