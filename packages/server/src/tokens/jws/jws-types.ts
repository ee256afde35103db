import type { KeyObject } from 'node:crypto';

/**
 * Shared shapes of the JWS layer (tokens/jws/) and the key ring (tokens/keys/). The algorithm belongs to the
 * key, never to the token: a verifier looks a key up by `kid` among Lift's own keys and checks that the
 * header's `alg` is exactly the key's.
 */

export type JwsAlgorithm = 'EdDSA' | 'ES256' | 'RS256' | 'PS256' | 'HS256' | 'HS384' | 'HS512';

export const JWS_ALGORITHMS: readonly JwsAlgorithm[] = [
  'EdDSA',
  'ES256',
  'RS256',
  'PS256',
  'HS256',
  'HS384',
  'HS512',
];

/** A key that can sign: asymmetric private key, or the shared secret for HS*. */
export interface SigningKey {
  kid: string;
  alg: JwsAlgorithm;
  /** Private key (EdDSA, ES256, RS256, PS256) or secret key (HS*). */
  key: KeyObject;
}

/** A key that can verify: asymmetric public key, or the shared secret for HS*. */
export interface VerificationKey {
  kid: string;
  alg: JwsAlgorithm;
  key: KeyObject;
}

/** Finds a verification key by `kid` among the issuer's own keys; undefined when there is none. */
export type KeyResolver = (kid: string) => VerificationKey | undefined;
