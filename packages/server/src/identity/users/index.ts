export { type NormalizedEmail, normalizedOrNull, normalizeEmail } from './email.ts';
export { EmailTakenError } from './email-taken-error.ts';
export { SqlUserStore, type SqlUserStoreOptions } from './sql-user-store.ts';
export {
  type CreateUserInput,
  type ListUsersInput,
  MAX_USER_PAGE_SIZE,
  USER_STATUSES,
  type User,
  type UserPage,
  type UserStatus,
  type UserStore,
} from './user-store.ts';
export type { LiftUsersTable } from './users-table.ts';
