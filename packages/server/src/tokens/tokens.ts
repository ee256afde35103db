import type { Context as HonoContext } from 'hono';
import type { Logger } from 'pino';
import type { AuthResolver } from '../core/authenticate.ts';
import type { Clock } from '../core/clock.ts';
import type { LiftConfig } from '../core/config/schema.ts';
import type { EventOrigin, EventPublisher } from '../core/events.ts';
import type { Invalidation } from '../core/invalidation.ts';
import type { ModuleKeys } from '../core/module.ts';
import type { ListeningAddress } from '../core/server.ts';
import { requestOrigin } from '../sessions/index.ts';
import type { KeyValueStore } from '../storage/index.ts';
import { AccessTokens, type IssueAccessTokenInput } from './access-tokens.ts';
import { bearerResolver } from './bearer-resolver.ts';
import { DpopError, DpopVerifier } from './dpop.ts';
import { KeyRing } from './keys/key-ring.ts';
import type { SigningKeyStore } from './keys/signing-key-store.ts';
import type { TokenMetrics } from './metrics.ts';
import { ownOrigins } from './own-origins.ts';
import { REFRESH_SUCCESSOR_KEY_PURPOSE, type RefreshTokenStore, RefreshTokens } from './refresh/index.ts';
import { RevocationState } from './revocation.ts';
import type { RevocationStore } from './revocation-store.ts';
import {
  type AccessCookieSettings,
  accessCookieSettings,
  clearAccessCookie,
  serializeAccessCookie,
} from './token-carriers.ts';
import {
  issuePair,
  refreshPair,
  type TokenFlows,
  type TokenGrantInput,
  type TokenPair,
} from './token-grants.ts';
import { introspectToken, revokeToken, revokeUserTokens } from './token-revocation-flows.ts';
import { SIGNING_KEY_PURPOSE } from './tokens-sealed-columns.ts';

/**
 * The tokens module, composed once per app at `start()`: the key ring (signing keys, JWKS, rotation), access
 * tokens (issue, verify, cache), refresh-token families (rotation, reuse detection) and the revocation state
 * that ties them together. The flows here are what `/auth/token`, `/auth/revoke` and `/auth/introspect` call;
 * their steps are in `token-grants.ts` and `token-revocation-flows.ts`.
 */

/** The stores the tokens module works on, built by the app's shape. */
export interface TokensPorts {
  signingKeys: SigningKeyStore;
  refreshTokens: RefreshTokenStore;
  revocations: RevocationStore;
  kv: KeyValueStore;
  invalidation: Invalidation;
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
  /** Issuance and verification counters (tokens/metrics.ts); none in stand-alone tests. */
  metrics?: TokenMetrics;
  /** The bound address once the app listens: without `auth.publicUrl`, DPoP proofs must name it. */
  listening: () => ListeningAddress | undefined;
}

/** The signing-key ring, its private keys sealed with the root secret's `tokens.signing-keys` key. */
function keyRingOf(sources: TokensSources): KeyRing {
  const { config, ports, clock, log, keys } = sources;
  const settings = config.tokens;
  return new KeyRing({
    store: ports.signingKeys,
    invalidation: ports.invalidation,
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
}

/** The refresh-token families, their successors sealed with the root secret. */
function refreshTokensOf(sources: TokensSources, graceMs: number): RefreshTokens {
  const { config, ports, clock, keys } = sources;
  const settings = config.tokens;
  return new RefreshTokens(ports.refreshTokens, {
    get sealingKey() {
      return keys.derive(REFRESH_SUCCESSOR_KEY_PURPOSE);
    },
    get previousSealingKeys() {
      return keys.previous(REFRESH_SUCCESSOR_KEY_PURPOSE);
    },
    clock,
    absoluteLifetimeMs: settings.refresh.absoluteLifetimeMs,
    idleTimeoutMs: settings.refresh.idleLifetimeMs,
    maxGraceMs: Math.max(graceMs, 60_000),
  });
}

/** The URIs a client may have addressed with a request. */
function requestUrisOf(sources: TokensSources): (c: HonoContext) => string[] {
  const { config } = sources;
  // Behind a proxy the client addressed the public URL, not the one the request arrived on; without one
  // (development), the listener's own address. Never the Host header: the client controls it.
  const origins = ownOrigins({
    publicUrl: config.auth.publicUrl,
    host: config.host,
    port: config.port,
    listening: sources.listening,
  });
  return (c) => {
    const path = new URL(c.req.url).pathname;
    return origins().map((origin) => `${origin}${path}`);
  };
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
  readonly #flows: TokenFlows;

  constructor(sources: TokensSources) {
    const { config, ports, clock, log, events } = sources;
    const settings = config.tokens;
    this.#events = events;
    this.issuer =
      settings.issuer ?? config.auth.publicUrl?.replace(/\/+$/, '') ?? `http://${config.host}:${config.port}`;
    this.audience = settings.audience ?? this.issuer;
    const graceMs = settings.refresh.reuseGraceSeconds * 1000;
    this.keys = keyRingOf(sources);
    this.revocation = new RevocationState({
      store: ports.revocations,
      invalidation: ports.invalidation,
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
      ...(sources.metrics ? { issued: sources.metrics.accessIssued } : {}),
    });
    this.refreshTokens = refreshTokensOf(sources, graceMs);
    this.#flows = {
      accessTokens: this.accessTokens,
      refreshTokens: this.refreshTokens,
      revocation: this.revocation,
      events,
      clock,
      issuer: this.issuer,
      graceMs,
    };
    this.dpop = new DpopVerifier({ kv: ports.kv, clock });
    this.accessCookie = accessCookieSettings(config);
    const publicOrigin = config.auth.publicUrl ? new URL(config.auth.publicUrl).origin : undefined;
    this.requestUris = requestUrisOf(sources);
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
      metrics: sources.metrics,
    });
  }

  async start(): Promise<void> {
    await this.keys.start();
    await this.revocation.start();
  }

  async close(): Promise<void> {
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
        this.#events.emit('token.rejected', {
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
  issuePair(input: TokenGrantInput, origin: EventOrigin): Promise<TokenPair> {
    return issuePair(this.#flows, input, origin);
  }

  /** `grant_type=refresh_token`: rotation, grace replay, or reuse detection (the family dies). */
  refresh(refreshToken: string, origin: EventOrigin, jkt?: string | null): Promise<TokenPair> {
    return refreshPair(this.#flows, refreshToken, origin, jkt);
  }

  /**
   * RFC 7009: a refresh token revokes its family (and its access tokens); an access token is denylisted by
   * `jti`. Unknown or invalid tokens are ignored, as the RFC asks.
   */
  revoke(token: string, hint: string | undefined, origin: EventOrigin): Promise<void> {
    return revokeToken(this.#flows, token, hint, origin);
  }

  /** RFC 7662: `{ active: false }` for anything invalid, expired or revoked. */
  introspect(token: string): Promise<Record<string, unknown>> {
    return introspectToken(this.#flows, token);
  }

  /** Ends every refresh family and access token of a user (credential change, disable). */
  revokeUser(userId: string, reason: string, origin: EventOrigin): Promise<void> {
    return revokeUserTokens(this.#flows, userId, reason, origin);
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
}
