import type { User, UserRole } from '../domain/user.js';

/** The users table, shaped by signup, login and grant-admin. */
export abstract class UserRepository {
  abstract nextId(): string;
  abstract emailTaken(emailNormalized: string): Promise<boolean>;
  /** Inserts inside the open unit of work; a taken email (also a lost race) is a DomainError conflict `email-taken`. */
  abstract add(user: User): Promise<void>;
  abstract byEmail(emailNormalized: string): Promise<User | null>;
  abstract byId(id: string): Promise<User | null>;
  abstract setRole(id: string, role: UserRole): Promise<void>;
}
