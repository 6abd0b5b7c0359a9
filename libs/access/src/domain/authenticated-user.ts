export type Role = 'user' | 'admin';

/** Who a bearer token speaks for. */
export interface AuthenticatedUser {
  id: string;
  email: string;
  roles: readonly Role[];
}
