/**
 * The access module's public face: what other modules, the composition root and apps may use. Everything else
 * in this folder is internal (the boundary test in test/architecture refuses deep imports).
 */
export { Access } from './access.ts';
export { type AccessScope, GLOBAL } from './access-scope.ts';
export { type AccessCheckResult, checkAccess, resolveSubject, resolveTenant } from './admin/access-check.ts';
export { ACCESS_ERRORS } from './error-codes.ts';
export type { AccessGuards } from './guards.ts';
export { type AccessModuleOptions, accessModule } from './module.ts';
export {
  type DeclaredPermission,
  PermissionCatalog,
  type PermissionDeclaration,
  type PermissionDeclarations,
  UndeclaredPermissionError,
} from './permission-catalog.ts';
export { addTemplatePermissions, type TemplatePermissionOptions } from './stores/sql-default-roles.ts';
