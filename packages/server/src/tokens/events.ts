/**
 * The tokens module's events, added to the one event catalog (`core/events.ts`). `reason` of a refusal is the
 * verification's machine reason (never a secret).
 */

declare module '../core/events.ts' {
  interface LiftEvents {
    'token.issued': { data: { familyId: string; dpop: boolean; succeeds?: string } };
    'token.refreshed': { data: { familyId: string; replayed: boolean } };
    'token.refresh_failed': { subject?: string; reason: 'dpop_key_mismatch' | 'invalid' };
    'token.reuse_detected': { subject: string; reason: 'refresh_token_reused'; data: { familyId: string } };
    'token.revoked': {
      subject?: string;
      reason?: string;
      data: { jti: string } | { familyId: string } | { families: number };
    };
    'token.rejected': { reason: string };
    'token.introspected': { data: { active: boolean } };
    'token.tenant_mismatch': {
      reason: 'tenant_mismatch';
      data: { routeTenant: string; principalTenant: string | null };
    };
    'token.insufficient_scope': {
      reason: 'insufficient_scope';
      data: { required: readonly string[]; missing: readonly string[] };
    };
    /** A resource server (`remoteTokens`) could not fetch the issuer's JWKS. */
    'token.jwks_failed': { reason: string; data: { url: string } };
    'key.rotated': { data: { kid: string; via?: 'cli' } };
  }
}

export {};
