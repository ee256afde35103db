import { errorFromResponse, LiftClientError } from './client-error.ts';
import { type Clock, systemClock } from './clock.ts';
import { DpopKey } from './dpop-key.ts';
import { type TokenStorage, type Tokens, tokensFromResponse } from './tokens.ts';

/**
 * The Lift client: logs in for tokens, sends the access token with each request, refreshes it before it
 * expires and retries once after a 401 that says the token is no longer valid. A refresh token works once (the
 * server rotates it, and a second use revokes the whole login), so every refresh goes through one in-flight
 * promise that all waiting requests share.
 */

export interface LiftClientOptions {
  /** The API's base URL, `https://api.example.com` (a path prefix is kept). Requests go to `baseUrl + path`. */
  baseUrl: string;
  /** The fetch to send requests with; default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /**
   * Ask for DPoP-bound tokens (RFC 9449): proofs made with a key this client generates go with every token
   * request, and with every request when the server answers `token_type: DPoP`. Default false.
   */
  dpop?: boolean;
  /**
   * Refresh before a request when the access token expires within this many ms; default 30 000. Capped at half
   * the token's lifetime, so short-lived tokens are not refreshed on every request.
   */
  refreshSkewMs?: number;
  /** Where tokens are kept between page loads or processes; default memory only. */
  storage?: TokenStorage;
  /** The server's `auth.prefix`; default `/auth`. */
  authPath?: string;
  /** The time source for expiry and DPoP `iat`; default `Date.now`. */
  clock?: Clock;
}

export interface Credentials {
  email: string;
  password: string;
}

/** A second factor: a TOTP code, or one of the recovery codes. */
export type MfaFactor = string | { recoveryCode: string };

export type LoginResult =
  | { mfaRequired: false }
  /** The password was right and the account has MFA: `complete` sends the code and, on success, keeps the tokens. */
  | { mfaRequired: true; complete(factor: MfaFactor): Promise<void> };

const DEFAULT_REFRESH_SKEW_MS = 30_000;

/** Methods fetch upper-cases (Fetch standard, "normalize a method"); a DPoP `htm` must match what is sent. */
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

function normalizeMethod(method: string | undefined): string {
  if (method === undefined) return 'GET';
  const upper = method.toUpperCase();
  return NORMALIZED_METHODS.has(upper) ? upper : method;
}

/** RFC 6750 §3.1 / RFC 9449 §7.1: the token was refused as invalid (expired, revoked), not merely absent. */
function saysInvalidToken(response: Response): boolean {
  const challenge = response.headers.get('www-authenticate');
  return challenge !== null && /\berror\s*=\s*"?invalid_token\b/i.test(challenge);
}

/** A stream body is used up by the first send; anything else can be sent again. */
function canResend(body: RequestInit['body']): boolean {
  return !(typeof ReadableStream !== 'undefined' && body instanceof ReadableStream);
}

function isMfaChallenge(body: unknown): body is { mfa_required: true; mfa_token: string } {
  if (typeof body !== 'object' || body === null) return false;
  const challenge = body as Record<string, unknown>;
  return challenge.mfa_required === true && typeof challenge.mfa_token === 'string';
}

export class LiftClient {
  readonly #baseUrl: string;
  readonly #authPath: string;
  readonly #fetch: (url: string, init: RequestInit) => Promise<Response>;
  readonly #dpop: boolean;
  readonly #refreshSkewMs: number;
  readonly #storage: TokenStorage | undefined;
  readonly #clock: Clock;
  #tokens: Tokens | null;
  /** Bumped by every login and logout, so a refresh that was in flight does not bring old tokens back. */
  #generation = 0;
  #refreshing: Promise<Tokens | null> | null = null;
  #dpopKey: Promise<DpopKey> | null = null;

  constructor(options: LiftClientOptions) {
    this.#baseUrl = new URL(options.baseUrl).href.replace(/\/+$/, '');
    this.#authPath = `/${(options.authPath ?? '/auth').replace(/^\/+|\/+$/g, '')}`;
    const send = options.fetch ?? globalThis.fetch;
    // Called without a receiver: a browser's fetch throws "Illegal invocation" when `this` is not the window.
    this.#fetch = (url, init) => send(url, init);
    this.#dpop = options.dpop ?? false;
    this.#refreshSkewMs = options.refreshSkewMs ?? DEFAULT_REFRESH_SKEW_MS;
    this.#storage = options.storage;
    this.#clock = options.clock ?? systemClock;
    this.#tokens = this.#storage?.load() ?? null;
  }

  /** The tokens held now, or null before login and after logout (or after the server refused a refresh). */
  get tokens(): Readonly<Tokens> | null {
    return this.#tokens;
  }

  /**
   * `POST {authPath}/login` for tokens. Resolves `{ mfaRequired: false }` once the tokens are kept; rejects
   * with `LiftClientError` (`LIFT_INVALID_CREDENTIALS`, …) when the server refuses.
   */
  async login(credentials: Credentials): Promise<LoginResult> {
    const body = { email: credentials.email, password: credentials.password, response: 'tokens' };
    const { answer, requestedAt } = await this.#tokenRequest('/login', body);
    if (isMfaChallenge(answer)) {
      const mfaToken = answer.mfa_token;
      return { mfaRequired: true, complete: (factor) => this.#completeMfa(mfaToken, factor) };
    }
    this.#keep(tokensFromResponse(answer, requestedAt));
    return { mfaRequired: false };
  }

  /**
   * `fetch(baseUrl + path, init)` with the access token. Refreshes first when the token is about to expire;
   * after a 401 whose `WWW-Authenticate` says `invalid_token`, refreshes and sends the request once more. Any
   * other answer, including a second 401, is returned as is. Rejects with `LiftClientError` when a needed
   * refresh fails; when the server refused the refresh token itself (`invalid_grant`: expired, revoked,
   * reused) the tokens are forgotten too, and the user has to log in again.
   */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const url = this.#url(path);
    const tokens = await this.#currentTokens();
    const response = await this.#send(url, init, tokens);
    if (tokens === null || response.status !== 401 || !saysInvalidToken(response) || !canResend(init.body)) {
      return response;
    }
    const renewed = await this.#refreshAfter(tokens);
    if (renewed === null) return response;
    await response.body?.cancel();
    return this.#send(url, init, renewed);
  }

  /**
   * Forgets the tokens and revokes the refresh token (`POST {authPath}/revoke`), which ends the whole login:
   * its access tokens stop working too. Rejects with `LiftClientError` if the server did not confirm; the
   * tokens are forgotten either way.
   */
  async logout(): Promise<void> {
    // A refresh in flight would leave its successor alive; revoke the newest token instead.
    await this.#refreshing?.catch(() => null);
    const tokens = this.#tokens;
    this.#keep(null);
    if (tokens === null) return;
    const response = await this.#fetch(this.#url(`${this.#authPath}/revoke`), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: tokens.refreshToken, token_type_hint: 'refresh_token' }),
    });
    if (!response.ok) throw await errorFromResponse(response);
    await response.body?.cancel();
  }

  #url(path: string): string {
    if (!path.startsWith('/'))
      throw new TypeError(`LiftClient paths start with "/", not ${JSON.stringify(path)}.`);
    return this.#baseUrl + path;
  }

  #keep(tokens: Tokens | null): void {
    this.#generation += 1;
    this.#tokens = tokens;
    this.#storage?.save(tokens);
  }

  async #completeMfa(mfaToken: string, factor: MfaFactor): Promise<void> {
    const body: Record<string, string> =
      typeof factor === 'string'
        ? { mfa_token: mfaToken, code: factor }
        : { mfa_token: mfaToken, recovery_code: factor.recoveryCode };
    const { answer, requestedAt } = await this.#tokenRequest('/mfa/verify', body);
    this.#keep(tokensFromResponse(answer, requestedAt));
  }

  /** The tokens to send now: refreshed first when they expire within the skew (capped at half their life). */
  #currentTokens(): Promise<Tokens | null> | Tokens | null {
    const tokens = this.#tokens;
    if (tokens === null) return null;
    const skew = Math.min(this.#refreshSkewMs, (tokens.expiresAt - tokens.issuedAt) / 2);
    if (tokens.expiresAt - this.#clock.now() > skew) return tokens;
    return this.#refreshAfter(tokens);
  }

  /**
   * Newer tokens than `stale`: those another request already got, or the one refresh in flight, or a new
   * refresh. Null when the client was logged out meanwhile.
   */
  #refreshAfter(stale: Tokens): Promise<Tokens | null> {
    if (this.#tokens !== stale) return Promise.resolve(this.#tokens);
    this.#refreshing ??= this.#refresh(stale).finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  async #refresh(stale: Tokens): Promise<Tokens | null> {
    const generation = this.#generation;
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: stale.refreshToken });
    let result: { answer: unknown; requestedAt: number };
    try {
      result = await this.#tokenRequest('/token', form);
    } catch (error) {
      // A refused refresh token (expired, revoked, reused: OAuth's invalid_grant) never works again; after a
      // network error or a refused DPoP proof it still might.
      const refused = error instanceof LiftClientError && error.problem?.error === 'invalid_grant';
      if (refused && this.#generation === generation) this.#keep(null);
      throw error;
    }
    if (this.#generation !== generation) return this.#tokens;
    const tokens = tokensFromResponse(result.answer, result.requestedAt);
    this.#keep(tokens);
    return tokens;
  }

  /** POSTs to a token-issuing auth route (with a DPoP proof when asked for); the JSON answer, or throws. */
  async #tokenRequest(
    route: string,
    body: Record<string, string> | URLSearchParams,
  ): Promise<{ answer: unknown; requestedAt: number }> {
    const url = this.#url(this.#authPath + route);
    const headers = new Headers({ accept: 'application/json' });
    if (this.#dpop) headers.set('dpop', await (await this.#key()).proof({ method: 'POST', url }));
    const form = body instanceof URLSearchParams;
    if (!form) headers.set('content-type', 'application/json');
    const requestedAt = this.#clock.now();
    const response = await this.#fetch(url, {
      method: 'POST',
      headers,
      body: form ? body : JSON.stringify(body),
    });
    if (!response.ok) throw await errorFromResponse(response);
    // A body that is not JSON fails as a malformed token response, where the caller reads it.
    const answer: unknown = await response.json().catch(() => null);
    return { answer, requestedAt };
  }

  async #send(url: string, init: RequestInit, tokens: Tokens | null): Promise<Response> {
    if (tokens === null) return this.#fetch(url, init);
    const headers = new Headers(init.headers);
    headers.set('authorization', `${tokens.tokenType} ${tokens.accessToken}`);
    if (tokens.tokenType === 'DPoP') {
      const method = normalizeMethod(init.method);
      headers.set('dpop', await (await this.#key()).proof({ method, url, accessToken: tokens.accessToken }));
    }
    return this.#fetch(url, { ...init, headers });
  }

  #key(): Promise<DpopKey> {
    this.#dpopKey ??= DpopKey.generate(this.#clock);
    return this.#dpopKey;
  }
}

export function createLiftClient(options: LiftClientOptions): LiftClient {
  return new LiftClient(options);
}
