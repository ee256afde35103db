import type { Announcing } from '../../core/events.ts';

export type UserStatus = 'active' | 'disabled';

export const USER_STATUSES: readonly UserStatus[] = ['active', 'disabled'];

/** A global identity. Tenants and memberships refer to it; it belongs to none. */
export interface User {
  /** Random, 128 bits, base64url (DESIGN §5). */
  id: string;
  /** As the user typed the local part, with the domain in lower-case ASCII; what mail is sent to. */
  email: string;
  name: string | null;
  status: UserStatus;
  /** When the address was first proven; null until then. */
  emailVerifiedAt: Date | null;
  /** The argon2id hash from `../passwords/`; null for users without a password. Never render it. */
  passwordHash: string | null;
  /**
   * Set after too many consecutive failed logins (NIST 800-63B); a password reset or an administrator's unlock
   * clears it.
   */
  passwordResetRequired: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface CreateUserInput {
  /** Any form `normalizeEmail` accepts. */
  email: string;
  name?: string | null;
  passwordHash?: string | null;
}

export interface ListUsersInput {
  /** Case-insensitive substring of the email or the name; `%` and `_` match themselves. */
  search?: string;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** Page size, 1 to `MAX_USER_PAGE_SIZE`. */
  limit: number;
}

export const MAX_USER_PAGE_SIZE = 200;

export interface UserPage {
  /** Newest first; users created in the same millisecond are ordered by id. */
  users: User[];
  /** Opaque; null on the last page. */
  nextCursor: string | null;
}

/**
 * Where users live. Methods that change a user return it as stored afterwards, or null when no user has
 * that id; each change moves `updatedAt` to the clock's now.
 *
 * `announce` (the transactional outbox, core/events.ts): a store with transactions calls it inside the
 * change's transaction with the method's result and writes the events it returns in that transaction, so
 * they commit or roll back with the change; a throwing `announce` leaves the user as it was.
 */
export interface UserStore {
  /**
   * Throws `ValidationError` for a malformed address and `EmailTakenError` when the address is in use (then
   * `announce` is not called). `announce`: the events to write with the new user.
   */
  create(input: CreateUserInput, options?: Announcing<User>): Promise<User>;
  findById(id: string): Promise<User | null>;
  /** Looks up by the normalised address, so `Bob@Example.COM` finds `bob@example.com`. */
  findByEmail(email: string): Promise<User | null>;
  /**
   * Also clears `passwordResetRequired`: a new password is what the flag asks for. `announce`: the events
   * to write with the new password.
   */
  setPasswordHash(id: string, passwordHash: string, options?: Announcing<User | null>): Promise<User | null>;
  /** Marks the account as needing a password reset before the next login. */
  requirePasswordReset(id: string): Promise<User | null>;
  /** Clears `passwordResetRequired` and keeps the password: an administrator vouches for the account. */
  waivePasswordReset(id: string): Promise<User | null>;
  /** Keeps the time of the first verification when called again. `announce`: written with the verification. */
  markEmailVerified(id: string, options?: Announcing<User | null>): Promise<User | null>;
  /** `announce`: the events to write with the status change. */
  setStatus(id: string, status: UserStatus, options?: Announcing<User | null>): Promise<User | null>;
  updateName(id: string, name: string | null): Promise<User | null>;
  /** Throws `ValidationError` for a limit out of range or a cursor this store did not make. */
  list(input: ListUsersInput): Promise<UserPage>;
}
