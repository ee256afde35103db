import { createPublicKey, createSecretKey, hash, type JsonWebKey, type KeyObject } from 'node:crypto';
import { LiftConfigError } from '../../core/errors.ts';
import { decodeBase64url } from './base64url.ts';
import { keyProblem } from './jws-algorithms.ts';
import type { JwsAlgorithm } from './jws-types.ts';

/**
 * JSON Web Keys (RFC 7517) for Lift's verification keys: publishing a public key, importing one, and the
 * RFC 7638 thumbprint. Only the members a verifier needs ever leave or enter: private members are refused.
 */

/** A published verification key: the public members of its type, plus `kid`, `alg` and `use`. */
export type PublicJwk = { kid: string; alg: JwsAlgorithm; use: 'sig' } & (
  | { kty: 'OKP'; crv: 'Ed25519'; x: string }
  | { kty: 'EC'; crv: 'P-256'; x: string; y: string }
  | { kty: 'RSA'; n: string; e: string }
);

/** Members that carry private or secret key material, in any key type (RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** The key type and curve each asymmetric algorithm's JWK must have. */
const JWK_SHAPE: Record<'EdDSA' | 'ES256' | 'RS256' | 'PS256', { kty: string; crv?: string }> = {
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  ES256: { kty: 'EC', crv: 'P-256' },
  RS256: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
};

/** RFC 7638 §3.2 (and RFC 8037 §2 for OKP): the required members of each key type, in lexicographic order. */
const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
  oct: ['k', 'kty'],
};

function isHmac(alg: JwsAlgorithm): alg is 'HS256' | 'HS384' | 'HS512' {
  return alg === 'HS256' || alg === 'HS384' || alg === 'HS512';
}

/**
 * The public JWK of `key` (a private key is reduced to its public half first). Secret keys are never
 * published, so HS* keys are refused.
 */
export function publicJwk(key: KeyObject, kid: string, alg: JwsAlgorithm): PublicJwk {
  if (isHmac(alg) || key.type === 'secret')
    throw new LiftConfigError(`Key ${kid}: secret keys are never published`);
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const problem = keyProblem(alg, publicKey, 'verify');
  if (problem !== undefined) throw new LiftConfigError(`Key ${kid}: ${problem}`);
  const jwk = publicKey.export({ format: 'jwk' });
  const base = { kid, alg, use: 'sig' as const };
  if (alg === 'EdDSA') return { kty: 'OKP', crv: 'Ed25519', x: member(jwk, 'x'), ...base };
  if (alg === 'ES256') return { kty: 'EC', crv: 'P-256', x: member(jwk, 'x'), y: member(jwk, 'y'), ...base };
  return { kty: 'RSA', n: member(jwk, 'n'), e: member(jwk, 'e'), ...base };
}

/**
 * The key a JWK describes, for `alg`: a public key for the asymmetric algorithms (a JWK with any private
 * member is refused), a secret key from an `oct` JWK for HS*. The JWK's `kty`, `crv`, and its `alg` and `use`
 * when present, must fit `alg`.
 */
export function importJwk(jwk: JsonWebKey, alg: JwsAlgorithm): KeyObject {
  if (typeof jwk !== 'object' || jwk === null) throw new LiftConfigError('A JWK must be a JSON object');
  if (jwk.alg !== undefined && jwk.alg !== alg)
    throw new LiftConfigError(`The JWK is for ${String(jwk.alg)}, not ${alg}`);
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new LiftConfigError('The JWK is not a signature key');
  const key = isHmac(alg) ? importSecretJwk(jwk, alg) : importPublicJwk(jwk, alg);
  const problem = keyProblem(alg, key, 'verify');
  if (problem !== undefined) throw new LiftConfigError(`The JWK cannot be used: ${problem}`);
  return key;
}

function importSecretJwk(jwk: JsonWebKey, alg: JwsAlgorithm): KeyObject {
  if (jwk.kty !== 'oct') throw new LiftConfigError(`${alg} needs an oct JWK`);
  const secret = typeof jwk.k === 'string' ? decodeBase64url(jwk.k) : undefined;
  if (secret === undefined) throw new LiftConfigError('The JWK member k must be base64url');
  return createSecretKey(secret);
}

function importPublicJwk(jwk: JsonWebKey, alg: 'EdDSA' | 'ES256' | 'RS256' | 'PS256'): KeyObject {
  const privateMember = PRIVATE_MEMBERS.find((name) => Object.hasOwn(jwk, name));
  if (privateMember !== undefined) {
    throw new LiftConfigError(`A public JWK must not carry the private member ${privateMember}`);
  }
  const shape = JWK_SHAPE[alg];
  if (jwk.kty !== shape.kty || jwk.crv !== shape.crv) {
    throw new LiftConfigError(`${alg} needs a ${shape.kty}${shape.crv ? ` ${shape.crv}` : ''} JWK`);
  }
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch (error) {
    throw new LiftConfigError('The JWK is not a valid public key', { cause: error });
  }
}

/** The RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order, base64url. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members = typeof jwk.kty === 'string' ? THUMBPRINT_MEMBERS[jwk.kty] : undefined;
  if (members === undefined) throw new LiftConfigError(`No thumbprint for key type ${String(jwk.kty)}`);
  const canonical = members.map((name) => `${JSON.stringify(name)}:${JSON.stringify(member(jwk, name))}`);
  return hash('sha256', `{${canonical.join(',')}}`, 'base64url');
}

function member(jwk: JsonWebKey, name: string): string {
  const value = jwk[name];
  if (typeof value !== 'string') throw new LiftConfigError(`The JWK member ${name} must be a string`);
  return value;
}
