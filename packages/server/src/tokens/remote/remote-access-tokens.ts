import type { Clock } from '../../core/clock.ts';
import { checkAccessTokenClaims } from '../access-token-claims.ts';
import type { VerifiedAccessToken } from '../access-tokens.ts';
import { type JwsAlgorithm, JwsError, type VerificationKey, verifyCompact } from '../jws/index.ts';
import { TokenRejectedError } from '../token-errors.ts';
import type { RemoteKeySet } from './remote-key-set.ts';

/**
 * Access tokens of another Lift, checked with its published keys: the JWS layer of tokens/jws (the key is
 * found by `kid` in the issuer's JWKS and decides the algorithm, which must be in the allow-list) and the same
 * claim checks as this app's own tokens (`typ: at+jwt`, `iss`, `aud`, `exp`/`nbf`/`iat` with skew, a bounded
 * lifetime). A token whose key is in the cached set verifies synchronously; an unknown `kid` waits for the
 * refetch the key set allows. What this app cannot see: the issuer's revocations — a revoked token is
 * accepted here until it expires, so issuers keep access tokens short-lived.
 */

export interface RemoteAccessTokensOptions {
  keys: RemoteKeySet;
  clock: Clock;
  issuer: string;
  audience: string;
  skewMs: number;
  maxLifetimeMs: number;
  algorithms: readonly JwsAlgorithm[];
  /** Refused before any parsing. Default 8192. */
  maxBytes?: number;
}

export class RemoteAccessTokens {
  readonly #options: RemoteAccessTokensOptions;
  readonly #maxBytes: number;

  constructor(options: RemoteAccessTokensOptions) {
    this.#options = options;
    this.#maxBytes = options.maxBytes ?? 8192;
  }

  /** The token's claims, or a `TokenRejectedError` naming the reason (`JwksUnavailableError` when keys fail). */
  verify(token: string): VerifiedAccessToken | Promise<VerifiedAccessToken> {
    if (typeof token !== 'string' || token.length > this.#maxBytes) throw new TokenRejectedError('too_large');
    let wanted: string | undefined;
    try {
      return this.#check(token, (kid) => {
        wanted = kid;
        return this.#options.keys.cached(kid);
      });
    } catch (error) {
      if (!(error instanceof TokenRejectedError) || error.reason !== 'unknown_kid' || wanted === undefined) {
        throw error;
      }
      return this.#afterLookup(token, wanted);
    }
  }

  async #afterLookup(token: string, kid: string): Promise<VerifiedAccessToken> {
    const { key } = await this.#options.keys.lookup(kid);
    if (key === undefined) throw new TokenRejectedError('unknown_kid');
    return this.#check(token, (asked) => (asked === kid ? key : undefined));
  }

  #check(token: string, resolve: (kid: string) => VerificationKey | undefined): VerifiedAccessToken {
    let verified: ReturnType<typeof verifyCompact>;
    try {
      verified = verifyCompact(token, resolve, {
        maxBytes: this.#maxBytes,
        allowedAlgorithms: this.#options.algorithms,
      });
    } catch (error) {
      if (error instanceof JwsError) throw new TokenRejectedError(error.reason);
      throw error;
    }
    const { issuer, audience, skewMs, maxLifetimeMs, clock } = this.#options;
    const { claims } = checkAccessTokenClaims(verified, {
      issuer,
      audience,
      skewMs,
      maxLifetimeMs,
      now: clock.now(),
    });
    return { claims };
  }
}
