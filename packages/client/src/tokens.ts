import { LiftClientError, UNEXPECTED_RESPONSE } from './client-error.ts';

/** What the client holds after a login, in a shape that survives JSON storage. */
export interface Tokens {
  accessToken: string;
  /** `DPoP` when the server bound the tokens to the client's DPoP key; the `Authorization` scheme to use. */
  tokenType: 'Bearer' | 'DPoP';
  refreshToken: string;
  /** When the token endpoint was asked, ms since the epoch by the client's clock. */
  issuedAt: number;
  /** When the access token expires, ms since the epoch by the client's clock. */
  expiresAt: number;
}

/**
 * Where tokens live between page loads or process restarts (`localStorage`, a file, a keychain). `load` runs
 * once, when the client is made; `save` after every login, refresh and logout (`null` = forget them).
 */
export interface TokenStorage {
  load(): Tokens | null;
  save(tokens: Tokens | null): void;
}

/**
 * Tokens from a token endpoint answer (RFC 6749 §5.1). `requestedAt` is when the request left, so the
 * computed expiry is never later than the server's.
 */
export function tokensFromResponse(body: unknown, requestedAt: number): Tokens {
  const answer = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const { access_token: accessToken, refresh_token: refreshToken, expires_in: expiresIn } = answer;
  // RFC 6749 §5.1: the token type is case-insensitive.
  const tokenType = typeof answer.token_type === 'string' ? answer.token_type.toLowerCase() : '';
  if (
    typeof accessToken !== 'string' ||
    typeof refreshToken !== 'string' ||
    typeof expiresIn !== 'number' ||
    !Number.isFinite(expiresIn) ||
    (tokenType !== 'bearer' && tokenType !== 'dpop')
  ) {
    throw new LiftClientError(UNEXPECTED_RESPONSE, 200, 'The token response is missing or malformed.');
  }
  return {
    accessToken,
    tokenType: tokenType === 'dpop' ? 'DPoP' : 'Bearer',
    refreshToken,
    issuedAt: requestedAt,
    expiresAt: requestedAt + expiresIn * 1000,
  };
}
