export {
  type AccessCacheStats,
  AccessEngine,
  type AccessExplanation,
  type AccessObject,
} from './access-engine.ts';
export {
  InvalidAccessGrantError,
  InvalidPermissionError,
  InvalidRoleError,
  RoleCycleError,
} from './access-errors.ts';
export type { Grant, GrantScope } from './grant-index.ts';
export { assertGrantablePermission } from './permission.ts';
export type { RoleDefinition } from './role-graph.ts';
