export {
  GLOBAL_TENANT,
  type LiftGrantsTable,
  type LiftInvitationsTable,
  type LiftMembershipsTable,
  type LiftRolesTable,
  type LiftTenantsTable,
} from './access-tables.ts';
export {
  type AddGrantInput,
  GRANT_SUBJECT_TYPES,
  type Grant,
  type GrantKey,
  type GrantStore,
  type GrantSubject,
  type GrantSubjectType,
} from './grant-store.ts';
export {
  INVITATION_TTL_MS,
  type Invitation,
  type InvitationStore,
  type IssuedInvitation,
  type IssueInvitationInput,
} from './invitation-store.ts';
export type { JsonObject, JsonValue } from './json-text.ts';
export {
  type KeepOwnerInput,
  type KeepOwnerOutcome,
  type ListMembersInput,
  MAX_MEMBER_PAGE_SIZE,
  type MemberChange,
  type MemberDetail,
  type MemberDetailPage,
  type MemberPage,
  type Membership,
  type MembershipStore,
} from './membership-store.ts';
export { RoleNameTakenError } from './role-name-taken-error.ts';
export type {
  CreateRoleInput,
  Role,
  RoleOwner,
  RoleScope,
  RoleStore,
  UpdateRoleInput,
} from './role-store.ts';
export { SqlGrantStore, type SqlGrantStoreOptions } from './sql-grant-store.ts';
export { SqlInvitationStore, type SqlInvitationStoreOptions } from './sql-invitation-store.ts';
export { SqlMembershipStore, type SqlMembershipStoreOptions } from './sql-membership-store.ts';
export { SqlRoleStore, type SqlRoleStoreOptions } from './sql-role-store.ts';
export { SqlTenantStore, type SqlTenantStoreOptions } from './sql-tenant-store.ts';
export { normalizeTenantSlug } from './tenant-slug.ts';
export { TenantSlugTakenError } from './tenant-slug-taken-error.ts';
export type {
  CreateTenantInput,
  Tenant,
  TenantSettings,
  TenantStore,
  UpdateTenantInput,
} from './tenant-store.ts';
