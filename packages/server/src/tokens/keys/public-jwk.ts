import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { LiftConfigError } from '../../core/errors.ts';
import type { JwsAlgorithm } from '../jws/jws-types.ts';

/** The members of each key type that are public (RFC 7518 §6); anything else node exports is left out. */
const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  OKP: ['crv', 'x'],
  EC: ['crv', 'x', 'y'],
  RSA: ['n', 'e'],
};

/**
 * The JWK a JWKS publishes for an asymmetric key: public members only, plus `kid`, `alg` and `use: "sig"`.
 * Accepts the private or the public half. Symmetric keys have no public form and are refused.
 */
export function exportPublicJwk(key: KeyObject, kid: string, alg: JwsAlgorithm): JsonWebKey {
  if (key.type === 'secret')
    throw new LiftConfigError(`A ${alg} secret has no public JWK and is never published.`);
  const exported = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  const kty = exported.kty ?? '';
  const members = PUBLIC_MEMBERS[kty];
  if (members === undefined) throw new LiftConfigError(`Key type "${kty}" cannot be published as a JWK.`);
  const jwk: JsonWebKey = { kty };
  for (const member of members) jwk[member] = exported[member];
  return { ...jwk, kid, alg, use: 'sig' };
}
