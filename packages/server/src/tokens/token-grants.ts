import type { Clock } from '../core/clock.ts';
import { UnauthenticatedError } from '../core/errors.ts';
import type { EventOrigin, EventPublisher, EventSpec } from '../core/events.ts';
import type { AccessTokens } from './access-tokens.ts';
import type { RefreshTokenFamily, RefreshTokens, RotateRefreshTokenResult } from './refresh/index.ts';
import type { RevocationState } from './revocation.ts';
import { InvalidGrantError, TokenReusedError } from './token-errors.ts';

/**
 * The grant flows of the tokens module: a new refresh family with its first access token (login, tenant
 * switch) and `grant_type=refresh_token` (rotation, grace replay, reuse detection). They work on the parts
 * `Tokens` composes, passed as one `TokenFlows`.
 */

export interface TokenPair {
  access_token: string;
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  refresh_token: string;
}

export interface TokenGrantInput {
  userId: string;
  amr: string[];
  authTime: number;
  tenantId?: string | null;
  scope?: string | null;
  /** DPoP key thumbprint: bind both tokens to the client's key. */
  jkt?: string | null;
  /**
   * A live family of the same user that this pair succeeds (a tenant switch): the new family keeps its amr,
   * auth_time, scope, DPoP key and absolute end, takes `tenantId`, and the old family ends.
   */
  succeeds?: string | null;
}

/** What the token flows work on. */
export interface TokenFlows {
  accessTokens: AccessTokens;
  refreshTokens: RefreshTokens;
  revocation: RevocationState;
  events: EventPublisher;
  clock: Clock;
  issuer: string;
  /** `tokens.refresh.reuseGraceSeconds`, in milliseconds. */
  graceMs: number;
}

/**
 * A new refresh family and its first access token (login with `response: tokens`), or, with `succeeds`,
 * the family that replaces a live one (tenant switch).
 */
export async function issuePair(
  flows: TokenFlows,
  input: TokenGrantInput,
  origin: EventOrigin,
): Promise<TokenPair> {
  const previous = input.succeeds ? await liveFamily(flows, input.succeeds, input.userId) : null;
  const grant = previous
    ? {
        amr: previous.amr,
        authTime: previous.authTime,
        scope: previous.scope,
        jkt: previous.dpopJkt,
        absoluteExpiresAt: previous.absoluteExpiresAt,
      }
    : { ...input, absoluteExpiresAt: undefined };
  const { token: refresh, family } = await flows.refreshTokens.issue({
    userId: input.userId,
    amr: grant.amr,
    authTime: grant.authTime,
    ...(grant.scope ? { scope: grant.scope } : {}),
    ...(input.tenantId ? { tenantId: input.tenantId } : {}),
    ...(grant.jkt ? { dpopJkt: grant.jkt } : {}),
    ...(grant.absoluteExpiresAt ? { absoluteExpiresAt: grant.absoluteExpiresAt } : {}),
  });
  const pair = pairOf(flows, family, refresh);
  flows.events.emit('token.issued', {
    actor: input.userId,
    ...origin,
    data: {
      familyId: family.id,
      dpop: Boolean(grant.jkt),
      ...(previous ? { succeeds: previous.id } : {}),
    },
  });
  if (previous) await endFamily(flows, previous, 'superseded', origin);
  return pair;
}

/** The family `familyId` while it is live and belongs to `userId`; otherwise 401. */
async function liveFamily(flows: TokenFlows, familyId: string, userId: string): Promise<RefreshTokenFamily> {
  const family = await flows.refreshTokens.getFamily(familyId);
  const now = flows.clock.now();
  if (
    family === null ||
    family.userId !== userId ||
    family.revokedAt !== null ||
    family.absoluteExpiresAt <= now
  ) {
    throw new UnauthenticatedError('This login has ended; log in again.');
  }
  return family;
}

/** `grant_type=refresh_token`: rotation, grace replay, or reuse detection (the family dies). */
export async function refreshPair(
  flows: TokenFlows,
  refreshToken: string,
  origin: EventOrigin,
  jkt?: string | null,
): Promise<TokenPair> {
  const { events } = flows;
  const family = await flows.refreshTokens.findFamilyByToken(refreshToken);
  if (family?.dpopJkt && family.dpopJkt !== jkt) {
    events.emit('token.refresh_failed', {
      actor: null,
      subject: family.userId,
      ...origin,
      reason: 'dpop_key_mismatch',
    });
    throw new InvalidGrantError('This refresh token is bound to a DPoP key; send a proof made with it.');
  }
  // A rotation and a reuse revocation write their event in their transaction; a grace replay changes nothing
  // and is announced right after.
  const result = await events.change<RotateRefreshTokenResult>(
    (announce) => flows.refreshTokens.rotate(refreshToken, { graceMs: flows.graceMs, announce }),
    (outcome) => rotationEvents(outcome, origin),
  );
  switch (result.kind) {
    case 'rotated':
    case 'replayed_within_grace':
      return pairOf(flows, result.family, result.token);
    case 'reuse_detected':
      await flows.revocation.revokeSid(result.family.id);
      throw new TokenReusedError();
    default:
      events.emit('token.refresh_failed', { actor: null, ...origin, reason: 'invalid' });
      throw new InvalidGrantError();
  }
}

/** `token.refreshed` for a rotation or grace replay, `token.reuse_detected` for a reuse; nothing otherwise. */
function rotationEvents(result: RotateRefreshTokenResult, origin: EventOrigin): EventSpec[] {
  switch (result.kind) {
    case 'rotated':
    case 'replayed_within_grace': {
      const data = { familyId: result.family.id, replayed: result.kind === 'replayed_within_grace' };
      return [{ type: 'token.refreshed', payload: { actor: result.family.userId, ...origin, data } }];
    }
    case 'reuse_detected': {
      const payload = {
        actor: null,
        subject: result.family.userId,
        ...origin,
        reason: 'refresh_token_reused' as const,
        data: { familyId: result.family.id },
      };
      return [{ type: 'token.reuse_detected', payload }];
    }
    default:
      return [];
  }
}

/**
 * Ends a refresh family and every access token issued from it. `token.revoked` is written in the transaction
 * that revokes the family (or right after, when it was revoked already).
 */
export async function endFamily(
  flows: TokenFlows,
  family: RefreshTokenFamily,
  reason: string,
  origin: EventOrigin,
): Promise<void> {
  await flows.events.change<boolean>(
    (announce) => flows.refreshTokens.revokeFamily(family.id, reason, { announce }),
    () => [
      {
        type: 'token.revoked',
        payload: { actor: family.userId, ...origin, reason, data: { familyId: family.id } },
      },
    ],
  );
  await flows.revocation.revokeSid(family.id);
}

function pairOf(flows: TokenFlows, family: RefreshTokenFamily, refreshToken: string): TokenPair {
  const access = flows.accessTokens.issue({
    userId: family.userId,
    sid: family.id,
    tenantId: family.tenantId,
    amr: family.amr,
    authTime: family.authTime,
    scope: family.scope,
    jkt: family.dpopJkt,
  });
  return {
    access_token: access.token,
    token_type: family.dpopJkt ? 'DPoP' : 'Bearer',
    expires_in: access.expiresIn,
    refresh_token: refreshToken,
  };
}
