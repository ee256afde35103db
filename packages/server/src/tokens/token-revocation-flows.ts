import { LiftError } from '../core/errors.ts';
import type { EventOrigin } from '../core/events.ts';
import { TokenRejectedError } from './token-errors.ts';
import { endFamily, type TokenFlows } from './token-grants.ts';

/**
 * The flows that end or inspect tokens: `/auth/revoke` (RFC 7009), a user's tokens all at once, and
 * `/auth/introspect` (RFC 7662).
 */

/**
 * RFC 7009: a refresh token revokes its family (and its access tokens); an access token is denylisted by
 * `jti`. Unknown or invalid tokens are ignored, as the RFC asks.
 */
export async function revokeToken(
  flows: TokenFlows,
  token: string,
  hint: string | undefined,
  origin: EventOrigin,
): Promise<void> {
  const tryRefresh = async () => {
    const family = await flows.refreshTokens.findFamilyByToken(token);
    if (!family) return false;
    await endFamily(flows, family, 'revoked', origin);
    return true;
  };
  const tryAccess = async () => {
    try {
      const { claims } = await flows.accessTokens.verify(token);
      // `token.revoked` is written with the durable revocation entry, in its transaction.
      await flows.events.change<void>(
        (announce) => flows.revocation.revokeTokenId(claims.jti, claims.exp * 1000, { announce }),
        () => [
          { type: 'token.revoked', payload: { actor: claims.sub, ...origin, data: { jti: claims.jti } } },
        ],
      );
      return true;
    } catch (error) {
      if (error instanceof TokenRejectedError || error instanceof LiftError) return false;
      throw error;
    }
  };
  if (hint === 'access_token') {
    if (!(await tryAccess())) await tryRefresh();
  } else if (!(await tryRefresh())) {
    await tryAccess();
  }
}

/** RFC 7662: `{ active: false }` for anything invalid, expired or revoked. */
export async function introspectToken(flows: TokenFlows, token: string): Promise<Record<string, unknown>> {
  try {
    const { claims } = await flows.accessTokens.verify(token);
    return { active: true, token_type: claims.cnf ? 'DPoP' : 'Bearer', ...claims };
  } catch {
    // Not an access token: perhaps a refresh token.
  }
  const family = await flows.refreshTokens.findFamilyByToken(token);
  if (!family) return { active: false };
  const current = await flows.refreshTokens.getFamily(family.id);
  const now = flows.clock.now();
  if (
    !current ||
    current.revokedAt !== null ||
    current.absoluteExpiresAt <= now ||
    current.idleExpiresAt <= now
  ) {
    return { active: false };
  }
  return {
    active: true,
    token_type: 'refresh_token',
    sub: current.userId,
    iss: flows.issuer,
    exp: Math.floor(Math.min(current.absoluteExpiresAt, current.idleExpiresAt) / 1000),
    iat: Math.floor(current.createdAt / 1000),
    sid: current.id,
  };
}

/**
 * Ends every refresh family and access token of a user (credential change, disable). `token.revoked` is
 * written in the transaction that revokes the families.
 */
export async function revokeUserTokens(
  flows: TokenFlows,
  userId: string,
  reason: string,
  origin: EventOrigin,
): Promise<void> {
  const families = await flows.events.change<string[]>(
    (announce) => flows.refreshTokens.revokeUserFamilies(userId, reason, { announce }),
    (revoked) => [
      {
        type: 'token.revoked',
        payload: { actor: null, subject: userId, ...origin, reason, data: { families: revoked.length } },
      },
    ],
  );
  for (const familyId of families) await flows.revocation.revokeSid(familyId);
  await flows.revocation.revokeUserTokens(userId);
}
