import { createLift, type LiftApp, type LiftConfig } from '@lift/server';

/**
 * A minimal issuer for the resource server: a Lift with its default modules (identity, sessions, tokens,
 * access), whose access tokens carry the scope `notes:read`. Any Lift with tokens on — the reference notes app
 * too — can be the issuer; this one adds a scope so that the resource server's scoped route has something to
 * check. Set `tokens.audience` to the resource server's `remoteTokens.audience`.
 */
export default (config: LiftConfig): LiftApp =>
  createLift(config, { tokenClaims: () => ({ scope: 'notes:read' }) });
