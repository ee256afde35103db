import type { Context as HonoContext } from 'hono';
import type { Logger } from 'pino';
import type { AuthResolver } from '../core/authenticate.ts';
import type { Clock } from '../core/clock.ts';
import type { LiftConfig } from '../core/config/schema.ts';
import { LiftError, UnauthenticatedError } from '../core/errors.ts';
import type { EventOrigin, EventPublisher, LiftEvent } from '../core/events.ts';
import type { ModuleKeys } from '../core/module.ts';
import type { SealedColumn } from '../core/sealed-column.ts';
import type { ListeningAddress } from '../core/server.ts';
import { requestOrigin } from '../sessions/index.ts';
import type { Broker, KeyValueStore } from '../storage/index.ts';
import { AccessTokens, type IssueAccessTokenInput } from './access-tokens.ts';
import { bearerResolver } from './bearer-resolver.ts';
import { DpopError, DpopVerifier } from './dpop.ts';
import { KeyRing } from './keys/key-ring.ts';
import type { SigningKeyStore } from './keys/signing-key-store.ts';
import { ownOrigins } from './own-origins.ts';
import {
  REFRESH_SUCCESSOR_KEY_PURPOSE,
  type RefreshTokenFamily,
  type RefreshTokenStore,
  RefreshTokens,
} from './refresh/index.ts';
import { RevocationState } from './revocation.ts';
import type { RevocationStore } from './revocation-store.ts';
import {
  type AccessCookieSettings,
  accessCookieSettings,
  clearAccessCookie,
  serializeAccessCookie,
} from './token-carriers.ts';
import { TokenRejectedError } from './token-errors.ts';

/**
 * The tokens module, composed once per app at `start()`: the key ring (signing keys, JWKS, rotation), access
 * tokens (issue, verify, cache), refresh-token families (rotation, reuse detection) and the revocation state
 * that ties them together. The flows here are what `/auth/token`, `/auth/revoke` and `/auth/introspect` call.
 */

export const SIGNING_KEY_PURPOSE = 'tokens.signing-keys';

/** Where this module keeps sealed values, for the start check and `lift secret reseal`. */
export const TOKENS_SEALED_COLUMNS: readonly SealedColumn[] = [
  {
    label: 'signing keys',
    table: 'lift_signing_keys',
    key: 'kid',
    column: 'private_sealed',
    associatedData: 'kid',
    purpose: SIGNING_KEY_PURPOSE,
  },
  {
    label: 'refresh-token successors',
    table: 'lift_refresh_tokens',
    key: 'token_hash',
    column: 'successor_sealed',
    associatedData: 'family_id',
    purpose: REFRESH_SUCCESSOR_KEY_PURPOSE,
    transient: true,
  },
];

/** Events after which every token of the user ends (documented in docs/tokens.md). */
const CREDENTIAL_EVENTS = new Set([
  'user.disabled',
  'auth.password.changed',
  'auth.password.reset',
  'auth.mfa.enrolled',
  'auth.mfa.removed',
  'auth.mfa.reset',
]);

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

/** 400 per RFC 6749 §5.2, with the OAuth `error` member next to Lift's code. */
export class InvalidGrantError extends LiftError {
  constructor(detail = 'The refresh token is invalid, expired or revoked.') {
    super('LIFT_INVALID_GRANT', 400, 'Invalid grant', { detail, extensions: { error: 'invalid_grant' } });
  }
}

/** A rotated refresh token came back: the family is revoked (RFC 9700 §4.14). */
export class TokenReusedError extends LiftError {
  constructor() {
    super('LIFT_TOKEN_REUSED', 401, 'Refresh token reused', {
      detail: 'This refresh token was already used; every token of this login is revoked. Log in again.',
      extensions: { error: 'invalid_grant' },
    });
  }
}

/** The stores the tokens module works on, built by the app's shape. */
export interface TokensPorts {
  signingKeys: SigningKeyStore;
  refreshTokens: RefreshTokenStore;
  revocations: RevocationStore;
  kv: KeyValueStore;
  broker: Broker;
}

export interface TokensSources {
  config: LiftConfig;
  ports: TokensPorts;
  clock: Clock;
  log: Logger;
  events: EventPublisher;
  /** Root-secret keys (signing keys and refresh successors are sealed with them); read at first use. */
  keys: ModuleKeys;
  /** Adds claims to every access token. */
  customClaims?: ((input: IssueAccessTokenInput) => Record<string, unknown>) | undefined;
  /** The bound address once the app listens: without `auth.publicUrl`, DPoP proofs must name it. */
  listening: () => ListeningAddress | undefined;
}

export class Tokens {
  readonly keys: KeyRing;
  readonly revocation: RevocationState;
  readonly accessTokens: AccessTokens;
  readonly refreshTokens: RefreshTokens;
  readonly issuer: string;
  readonly audience: string;
  readonly resolveBearer: AuthResolver;
  readonly dpop: DpopVerifier;
  /** The access-token cookie, when `tokens.cookie.enabled`. */
  readonly accessCookie: AccessCookieSettings | undefined;
  /** The URIs a client may have addressed with this request (one of them is what a DPoP proof's `htu` names). */
  readonly requestUris: (c: HonoContext) => string[];
  readonly #events: EventPublisher;
  readonly #clock: Clock;
  readonly #graceMs: number;
  #stopListening: (() => void) | undefined;

  constructor(sources: TokensSources) {
    const { config, ports, clock, log, events, keys } = sources;
    const settings = config.tokens;
    this.#events = events;
    this.#clock = clock;
    this.issuer =
      settings.issuer ?? config.auth.publicUrl?.replace(/\/+$/, '') ?? `http://${config.host}:${config.port}`;
    this.audience = settings.audience ?? this.issuer;
    this.#graceMs = settings.refresh.reuseGraceSeconds * 1000;
    this.keys = new KeyRing({
      store: ports.signingKeys,
      broker: () => ports.broker,
      clock,
      get sealingKey() {
        return keys.derive(SIGNING_KEY_PURPOSE);
      },
      get previousSealingKeys() {
        return keys.previous(SIGNING_KEY_PURPOSE);
      },
      algorithm: settings.algorithm,
      maxTokenLifetimeMs: settings.accessTokenTtlMs + settings.clockSkewMs,
      rotationIntervalMs: settings.keyRotationIntervalMs,
      log,
    });
    this.revocation = new RevocationState({
      store: ports.revocations,
      broker: () => ports.broker,
      clock,
      log,
      maxTokenLifetimeMs: settings.accessTokenTtlMs + settings.clockSkewMs,
    });
    this.accessTokens = new AccessTokens({
      keys: this.keys,
      revocation: this.revocation,
      clock,
      issuer: this.issuer,
      audience: this.audience,
      ttlMs: settings.accessTokenTtlMs,
      skewMs: settings.clockSkewMs,
      cacheSize: settings.verifiedCacheSize,
      ...(sources.customClaims ? { customClaims: sources.customClaims } : {}),
    });
    this.refreshTokens = new RefreshTokens(ports.refreshTokens, {
      get sealingKey() {
        return keys.derive(REFRESH_SUCCESSOR_KEY_PURPOSE);
      },
      get previousSealingKeys() {
        return keys.previous(REFRESH_SUCCESSOR_KEY_PURPOSE);
      },
      clock,
      absoluteLifetimeMs: settings.refresh.absoluteLifetimeMs,
      idleTimeoutMs: settings.refresh.idleLifetimeMs,
      maxGraceMs: Math.max(this.#graceMs, 60_000),
    });
    this.dpop = new DpopVerifier({ kv: ports.kv, clock });
    this.accessCookie = accessCookieSettings(config);
    const publicOrigin = config.auth.publicUrl ? new URL(config.auth.publicUrl).origin : undefined;
    // Behind a proxy the client addressed the public URL, not the one the request arrived on; without one
    // (development), the listener's own address. Never the Host header: the client controls it.
    const origins = ownOrigins({
      publicUrl: config.auth.publicUrl,
      host: config.host,
      port: config.port,
      listening: sources.listening,
    });
    this.requestUris = (c) => {
      const path = new URL(c.req.url).pathname;
      return origins().map((origin) => `${origin}${path}`);
    };
    this.resolveBearer = bearerResolver({
      accessTokens: this.accessTokens,
      events,
      dpop: this.dpop,
      requestUris: this.requestUris,
      freshMs: config.auth.freshMs,
      now: () => clock.now(),
      cookie: this.accessCookie,
      csrfAllowedOrigins: config.auth.csrfAllowedOrigins,
      publicOrigin,
    });
  }

  async start(): Promise<void> {
    await this.keys.start();
    await this.revocation.start();
    // Credential changes end every token of the user, decided once, where the change happened.
    this.#stopListening ??= this.#events.onLocal(async (event: LiftEvent) => {
      if (!CREDENTIAL_EVENTS.has(event.type)) return;
      const userId = event.subject ?? event.actor;
      if (userId && userId !== 'system') await this.revokeUser(userId, event.type, {});
    });
  }

  async close(): Promise<void> {
    this.#stopListening?.();
    this.#stopListening = undefined;
    await this.revocation.close();
    await this.keys.close();
  }

  /**
   * The thumbprint of the key behind a valid `DPoP` proof on this request (login and refresh bind tokens to
   * it), or null when the request carries no proof. An invalid proof is a 401 `LIFT_DPOP_INVALID`.
   */
  async dpopThumbprint(c: HonoContext): Promise<string | null> {
    const proof = c.req.header('dpop');
    if (proof === undefined) return null;
    try {
      const verified = await this.dpop.verify(proof, { htm: c.req.method, htu: this.requestUris(c) });
      return verified.jkt;
    } catch (error) {
      if (error instanceof DpopError) {
        void this.#events.emit({
          type: 'token.rejected',
          actor: null,
          ...requestOrigin(c),
          reason: error.reason,
        });
      }
      throw error;
    }
  }

  /**
   * A new refresh family and its first access token (login with `response: tokens`), or, with `succeeds`,
   * the family that replaces a live one (tenant switch).
   */
  async issuePair(input: TokenGrantInput, origin: EventOrigin): Promise<TokenPair> {
    const previous = input.succeeds ? await this.#liveFamily(input.succeeds, input.userId) : null;
    const grant = previous
      ? {
          amr: previous.amr,
          authTime: previous.authTime,
          scope: previous.scope,
          jkt: previous.dpopJkt,
          absoluteExpiresAt: previous.absoluteExpiresAt,
        }
      : { ...input, absoluteExpiresAt: undefined };
    const { token: refresh, family } = await this.refreshTokens.issue({
      userId: input.userId,
      amr: grant.amr,
      authTime: grant.authTime,
      ...(grant.scope ? { scope: grant.scope } : {}),
      ...(input.tenantId ? { tenantId: input.tenantId } : {}),
      ...(grant.jkt ? { dpopJkt: grant.jkt } : {}),
      ...(grant.absoluteExpiresAt ? { absoluteExpiresAt: grant.absoluteExpiresAt } : {}),
    });
    const pair = this.#pair(family, refresh);
    await this.#events.emit({
      type: 'token.issued',
      actor: input.userId,
      ...origin,
      data: {
        familyId: family.id,
        dpop: Boolean(grant.jkt),
        ...(previous ? { succeeds: previous.id } : {}),
      },
    });
    if (previous) await this.#endFamily(previous, 'superseded', origin);
    return pair;
  }

  /** The family `familyId` while it is live and belongs to `userId`; otherwise 401. */
  async #liveFamily(familyId: string, userId: string): Promise<RefreshTokenFamily> {
    const family = await this.refreshTokens.getFamily(familyId);
    const now = this.#clock.now();
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
  async refresh(refreshToken: string, origin: EventOrigin, jkt?: string | null): Promise<TokenPair> {
    const family = await this.refreshTokens.findFamilyByToken(refreshToken);
    if (family?.dpopJkt && family.dpopJkt !== jkt) {
      await this.#events.emit({
        type: 'token.refresh_failed',
        actor: null,
        subject: family.userId,
        ...origin,
        reason: 'dpop_key_mismatch',
      });
      throw new InvalidGrantError('This refresh token is bound to a DPoP key; send a proof made with it.');
    }
    const result = await this.refreshTokens.rotate(refreshToken, { graceMs: this.#graceMs });
    switch (result.kind) {
      case 'rotated':
      case 'replayed_within_grace': {
        await this.#events.emit({
          type: 'token.refreshed',
          actor: result.family.userId,
          ...origin,
          data: { familyId: result.family.id, replayed: result.kind === 'replayed_within_grace' },
        });
        return this.#pair(result.family, result.token);
      }
      case 'reuse_detected': {
        await this.revocation.revokeSid(result.family.id);
        await this.#events.emit({
          type: 'token.reuse_detected',
          actor: null,
          subject: result.family.userId,
          ...origin,
          reason: 'refresh_token_reused',
          data: { familyId: result.family.id },
        });
        throw new TokenReusedError();
      }
      default:
        await this.#events.emit({ type: 'token.refresh_failed', actor: null, ...origin, reason: 'invalid' });
        throw new InvalidGrantError();
    }
  }

  /**
   * RFC 7009: a refresh token revokes its family (and its access tokens); an access token is denylisted by
   * `jti`. Unknown or invalid tokens are ignored, as the RFC asks.
   */
  async revoke(token: string, hint: string | undefined, origin: EventOrigin): Promise<void> {
    const tryRefresh = async () => {
      const family = await this.refreshTokens.findFamilyByToken(token);
      if (!family) return false;
      await this.#endFamily(family, 'revoked', origin);
      return true;
    };
    const tryAccess = async () => {
      try {
        const { claims } = await this.accessTokens.verify(token);
        await this.revocation.revokeTokenId(claims.jti, claims.exp * 1000);
        await this.#events.emit({
          type: 'token.revoked',
          actor: claims.sub,
          ...origin,
          data: { jti: claims.jti },
        });
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
  async introspect(token: string): Promise<Record<string, unknown>> {
    try {
      const { claims } = await this.accessTokens.verify(token);
      return { active: true, token_type: claims.cnf ? 'DPoP' : 'Bearer', ...claims };
    } catch {
      // Not an access token: perhaps a refresh token.
    }
    const family = await this.refreshTokens.findFamilyByToken(token);
    if (!family) return { active: false };
    const current = await this.refreshTokens.getFamily(family.id);
    const now = this.#clock.now();
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
      iss: this.issuer,
      exp: Math.floor(Math.min(current.absoluteExpiresAt, current.idleExpiresAt) / 1000),
      iat: Math.floor(current.createdAt / 1000),
      sid: current.id,
    };
  }

  /** Ends every refresh family and access token of a user (credential change, disable). */
  async revokeUser(userId: string, reason: string, origin: EventOrigin): Promise<void> {
    const families = await this.refreshTokens.revokeUserFamilies(userId, reason);
    for (const familyId of families) await this.revocation.revokeSid(familyId);
    await this.revocation.revokeUserTokens(userId);
    await this.#events.emit({
      type: 'token.revoked',
      actor: null,
      subject: userId,
      ...origin,
      reason,
      data: { families: families.length },
    });
  }

  async #endFamily(family: RefreshTokenFamily, reason: string, origin: EventOrigin): Promise<void> {
    await this.refreshTokens.revokeFamily(family.id, reason);
    await this.revocation.revokeSid(family.id);
    await this.#events.emit({
      type: 'token.revoked',
      actor: family.userId,
      ...origin,
      reason,
      data: { familyId: family.id },
    });
  }

  /** Clears the access-token cookie (revocation), when the cookie carrier is on. */
  clearAccessCookie(headers: Headers): void {
    if (this.accessCookie) headers.append('set-cookie', clearAccessCookie(this.accessCookie));
  }

  /** Sets the access-token cookie on a token response, when the cookie carrier is on. */
  setAccessCookie(headers: Headers, pair: { access_token?: unknown; expires_in?: unknown }): void {
    if (!this.accessCookie || typeof pair.access_token !== 'string') return;
    const maxAge = typeof pair.expires_in === 'number' ? pair.expires_in : 0;
    headers.append('set-cookie', serializeAccessCookie(this.accessCookie, pair.access_token, maxAge));
  }

  #pair(family: RefreshTokenFamily, refreshToken: string): TokenPair {
    const access = this.accessTokens.issue({
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
}
