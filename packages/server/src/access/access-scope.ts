/**
 * Decide on global grants alone: grants made for no tenant, whatever tenant the principal or request is in.
 * A symbol, not `null`, so no `??` can turn "global only" into someone's active tenant.
 */
export const GLOBAL: unique symbol = Symbol('lift.access.global');

/** Where a decision is made: in one tenant (its grants and global ones), or `GLOBAL` (global grants alone). */
export type AccessScope = string | typeof GLOBAL;

/** The scope of a stored grant or role owner: its tenant, or `GLOBAL` for the store's `null`. */
export function scopeOf(tenantId: string | null): AccessScope {
  return tenantId === null ? GLOBAL : tenantId;
}

/** The engine's form of a scope: `null` for `GLOBAL`. */
export function toEngineScope(scope: AccessScope): string | null {
  return scope === GLOBAL ? null : scope;
}
