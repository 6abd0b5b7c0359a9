import type { FieldError } from '@app/shared-kernel';

export type UserRole = 'user' | 'admin';

export const NAME_MAX = 255;
export const DISPLAY_NAME_MAX = 255;
export const PASSWORD_MIN_BYTES = 8;
/** bcrypt reads at most 72 bytes: a longer password would be silently truncated, so it is refused. */
export const PASSWORD_MAX_BYTES = 72;

/** Emails compare trimmed and case-insensitively: this is the form the unique index holds. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A deliberately loose shape check (one @, no spaces, a dot in the domain); delivery proves the rest. */
export function isEmailShaped(email: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim()) && email.trim().length <= 254;
}

/** The password rule in bytes of UTF-8, not characters: 'é' is 2 bytes, an emoji 4. */
export function passwordError(password: string): string | undefined {
  const bytes = Buffer.byteLength(password, 'utf8');
  if (bytes < PASSWORD_MIN_BYTES) return `password must be at least ${PASSWORD_MIN_BYTES} bytes of UTF-8`;
  if (bytes > PASSWORD_MAX_BYTES) return `password must be at most ${PASSWORD_MAX_BYTES} bytes of UTF-8`;
  return undefined;
}

export interface SignupInput {
  name: string;
  email: string;
  password: string;
  displayName?: string | null;
}

/** Every rule a signup must satisfy, as field errors (empty: valid). */
export function signupErrors(input: SignupInput): FieldError[] {
  const errors: FieldError[] = [];
  if (typeof input.name !== 'string' || input.name.length < 1 || input.name.length > NAME_MAX) {
    errors.push({ field: 'name', message: `name must be 1 to ${NAME_MAX} characters` });
  }
  if (typeof input.email !== 'string' || !isEmailShaped(input.email))
    errors.push({ field: 'email', message: 'email must be an email address' });
  const pw = typeof input.password === 'string' ? passwordError(input.password) : 'password must be a string';
  if (pw) errors.push({ field: 'password', message: pw });
  if (input.displayName != null && (input.displayName.length < 1 || input.displayName.length > DISPLAY_NAME_MAX)) {
    errors.push({ field: 'displayName', message: `displayName must be 1 to ${DISPLAY_NAME_MAX} characters` });
  }
  return errors;
}

/** A registered user as the write side holds it. */
export interface User {
  id: string;
  name: string;
  /** As the user typed it, trimmed. */
  email: string;
  emailNormalized: string;
  displayName: string | null;
  passwordHash: string;
  role: UserRole;
  createdAt: Date;
}

export const USER_SIGNED_UP = 'user.signed_up';
export const USER_ROLE_GRANTED = 'user.role_granted';
export const USER_AGGREGATE = 'user';

export interface UserSignedUpPayload {
  userId: string;
  name: string;
  email: string;
  displayName: string | null;
  createdAt: string;
}

export interface UserRoleGrantedPayload {
  userId: string;
  role: UserRole;
}

export interface DomainEvent<P> {
  type: string;
  aggregateType: string;
  aggregateId: string;
  aggregateVersion: number;
  payload: P;
}

/**
 * The signup decision: a valid input becomes a user and its `user.signed_up` event. The caller
 * supplies the id, the time and the hash (ports), so this stays pure. Assumes `signupErrors` is empty.
 */
export function signUp(
  input: SignupInput,
  context: { id: string; now: Date; passwordHash: string },
): { user: User; event: DomainEvent<UserSignedUpPayload> } {
  const email = input.email.trim();
  const user: User = {
    id: context.id,
    name: input.name,
    email,
    emailNormalized: normaliseEmail(email),
    displayName: input.displayName ?? null,
    passwordHash: context.passwordHash,
    role: 'user',
    createdAt: context.now,
  };
  return {
    user,
    event: {
      type: USER_SIGNED_UP,
      aggregateType: USER_AGGREGATE,
      aggregateId: user.id,
      aggregateVersion: 1,
      payload: {
        userId: user.id,
        name: user.name,
        email: user.email,
        displayName: user.displayName,
        createdAt: user.createdAt.toISOString(),
      },
    },
  };
}

/** The roles a user holds: the stored role, plus admin when configuration lists the email. */
export function rolesOf(user: Pick<User, 'role' | 'emailNormalized'>, adminEmails: readonly string[]): UserRole[] {
  return user.role === 'admin' || adminEmails.includes(user.emailNormalized) ? ['user', 'admin'] : ['user'];
}
