import type { Logger } from 'pino';
import type { AuthResolver } from '../../core/authenticate.ts';
import type { Clock } from '../../core/clock.ts';
import type { LiftConfig } from '../../core/config/schema.ts';
import { LiftConfigError } from '../../core/errors.ts';
import type { EventPublisher } from '../../core/events.ts';
import type { Tracer } from '../../core/tracing.ts';
import type { Pingable } from '../../storage/index.ts';
import { fetchJwks, type JwksFetchError, type KeySet } from './jwks-fetch.ts';
import type { RemoteTokenMetrics } from './metrics.ts';
import { RemoteAccessTokens } from './remote-access-tokens.ts';
import { remoteBearerResolver } from './remote-bearer-resolver.ts';
import { RemoteKeySet } from './remote-key-set.ts';

/**
 * The face of the remoteTokens module: this app accepts the access tokens of another Lift (the issuer) and
 * issues none. Composes the key set (JWKS fetched, cached, refetched on an unknown kid, at most once per
 * floor), the verifier and the `bearer` resolver from `remoteTokens.*`.
 */

export interface RemoteTokensSources {
  config: LiftConfig;
  clock: Clock;
  log: Logger;
  events: EventPublisher;
  /** JWKS fetch and verification counters (remote/metrics.ts); none in stand-alone tests. */
  metrics?: RemoteTokenMetrics;
  /** The app's tracer: JWKS fetches are client spans that propagate `traceparent`. */
  tracer?: Tracer;
}

export class RemoteTokens {
  /** The `iss` accepted (`remoteTokens.issuer`, trailing slashes removed). */
  readonly issuer: string;
  /** The `aud` a token must name. */
  readonly audience: string;
  readonly jwksUrl: string;
  readonly keys: RemoteKeySet;
  readonly accessTokens: RemoteAccessTokens;
  /** The resolver the module adds to the authentication chain as `bearer`. */
  readonly resolveBearer: AuthResolver;
  /** Readiness: a fresh key set is held, or can be fetched now. */
  readonly health: Pingable;
  readonly #closing = new AbortController();

  constructor(sources: RemoteTokensSources) {
    const { config, clock, log, events } = sources;
    const settings = config.remoteTokens;
    this.issuer = requiredIssuer(settings.issuer);
    this.jwksUrl = jwksUrlOf(settings.jwksUrl ?? `${this.issuer}/.well-known/jwks.json`, config.env);
    this.audience = settings.audience ?? this.issuer;
    const fetchOptions = {
      url: this.jwksUrl,
      timeoutMs: settings.fetchTimeoutMs,
      maxBytes: settings.maxJwksBytes,
      algorithms: settings.algorithms,
      signal: this.#closing.signal,
      ...(sources.tracer ? { tracer: sources.tracer } : {}),
    };
    this.keys = new RemoteKeySet({
      fetch: () => fetchJwks(fetchOptions),
      clock,
      ttlMs: settings.cacheTtlMs,
      floorMs: settings.refetchFloorMs,
      onFetch: (outcome) => {
        // A fetch abandoned because the app is closing is no news.
        if (this.#closing.signal.aborted) return;
        sources.metrics?.fetched('keys' in outcome ? 'ok' : outcome.error.reason);
        if ('keys' in outcome) reportFetched(log, this.jwksUrl, outcome.keys);
        else reportFailure(log, events, this.jwksUrl, outcome.error);
      },
    });
    this.accessTokens = new RemoteAccessTokens({
      keys: this.keys,
      clock,
      issuer: this.issuer,
      audience: this.audience,
      skewMs: settings.clockSkewMs,
      maxLifetimeMs: settings.maxTokenLifetimeMs,
      algorithms: settings.algorithms,
    });
    this.resolveBearer = remoteBearerResolver({
      accessTokens: this.accessTokens,
      events,
      metrics: sources.metrics,
      freshMs: config.auth.freshMs,
      now: () => clock.now(),
    });
    this.health = { ping: () => this.keys.ready() };
  }

  /** Fetches the key set once, without waiting: an issuer that is not up yet must not stop this app's boot. */
  start(): Promise<void> {
    void this.keys.refresh();
    return Promise.resolve();
  }

  /** Abandons a fetch in flight. */
  close(): Promise<void> {
    this.#closing.abort();
    return Promise.resolve();
  }
}

function requiredIssuer(issuer: string | undefined): string {
  const trimmed = issuer?.trim().replace(/\/+$/, '');
  if (!trimmed) {
    throw new LiftConfigError(
      "remoteTokens.issuer is required with the remoteTokens module: the iss of the tokens to accept (the issuer's tokens.issuer).",
    );
  }
  return trimmed;
}

function jwksUrlOf(value: string, env: LiftConfig['env']): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new LiftConfigError(`remoteTokens.jwksUrl: ${JSON.stringify(value)} is not a URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new LiftConfigError(`remoteTokens.jwksUrl: ${url.protocol} is not http or https.`);
  }
  if (env === 'production' && url.protocol !== 'https:') {
    throw new LiftConfigError(
      'remoteTokens.jwksUrl must be https in production: the keys decide who gets in.',
    );
  }
  return url.href;
}

function reportFetched(log: Logger, url: string, keys: KeySet): void {
  log.info({ url, kids: [...keys.keys()] }, 'fetched the issuer JWKS');
}

function reportFailure(log: Logger, events: EventPublisher, url: string, error: JwksFetchError): void {
  log.warn({ url, reason: error.reason, err: error }, 'could not fetch the issuer JWKS; tokens are refused');
  events.emit('token.jwks_failed', { actor: 'system', reason: error.reason, data: { url } });
}
