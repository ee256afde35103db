import { LiftConfigError } from '../../core/errors.ts';
import { encodeBase64url, hasCanonicalTail } from './base64url.ts';
import { createSignature, isValidSignature, keyProblem } from './jws-algorithms.ts';
import { JwsError } from './jws-error.ts';
import { JWS_ALGORITHMS, type JwsAlgorithm, type KeyResolver, type SigningKey } from './jws-types.ts';

/**
 * JWS Compact Serialization (RFC 7515 §7.1) for Lift's own tokens. The key decides the algorithm: the
 * signer writes the key's `alg` and `kid`, and the verifier looks the key up by `kid` and demands the
 * header's `alg` be exactly the key's. Header members that point at other keys (`jwk`, `jku`, `x5u`, `x5c`)
 * are never read.
 */

export interface VerifyCompactOptions {
  /** Longest token accepted, in characters (a valid token is ASCII, so also in bytes); default 8192. */
  maxBytes?: number;
  /** When given, tokens whose `alg` is not listed are refused before their key is looked up. */
  allowedAlgorithms?: readonly JwsAlgorithm[];
}

export interface VerifiedCompact {
  header: Record<string, unknown>;
  payload: Uint8Array;
  /** `header.payload` exactly as received: the bytes the signature was checked over. */
  signingInput: string;
}

export const DEFAULT_MAX_TOKEN_BYTES = 8192;

/** Longest `kid` passed to the resolver. */
export const MAX_KID_LENGTH = 256;

/** Base64url characters and dots only; the dots are counted before this runs. */
const COMPACT_ALPHABET = /^[A-Za-z0-9_.-]*$/;

/** Strict UTF-8: invalid bytes throw instead of becoming U+FFFD, and a byte-order mark is kept (so fails JSON). */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Signs `payload` (bytes as they are, a string as UTF-8, anything else as JSON) and returns
 * `header.payload.signature`. The header gets `alg` and `kid` from the key; a header that names another
 * `alg` or `kid` is a programming error.
 */
export function signCompact(
  header: Record<string, unknown>,
  payload: Uint8Array | string | object,
  key: SigningKey,
): string {
  for (const member of ['alg', 'kid'] as const) {
    if (Object.hasOwn(header, member) && header[member] !== key[member]) {
      throw new LiftConfigError(`The JWS header's ${member} comes from the signing key; do not set it`);
    }
  }
  const problem = keyProblem(key.alg, key.key, 'sign');
  if (problem !== undefined) throw new LiftConfigError(`Signing key ${key.kid}: ${problem}`);
  const encodedHeader = encodeBase64url(
    Buffer.from(JSON.stringify({ alg: key.alg, kid: key.kid, ...header })),
  );
  const signingInput = `${encodedHeader}.${encodeBase64url(payloadBytes(payload))}`;
  return `${signingInput}.${encodeBase64url(createSignature(key.alg, key.key, signingInput))}`;
}

/**
 * Checks a compact JWS and returns its parts; throws `JwsError` (401, `LIFT_TOKEN_INVALID`, with a `reason`)
 * otherwise. The size is checked before anything is parsed, and the signature is checked over the received
 * `header.payload`, never over a re-serialisation. `kid` is required and only ever handed to `resolve`.
 */
export function verifyCompact(
  token: string,
  resolve: KeyResolver,
  options: VerifyCompactOptions = {},
): VerifiedCompact {
  if (typeof token !== 'string') throw new JwsError('malformed');
  if (token.length > (options.maxBytes ?? DEFAULT_MAX_TOKEN_BYTES)) throw new JwsError('too_large');

  const firstDot = token.indexOf('.');
  const secondDot = firstDot === -1 ? -1 : token.indexOf('.', firstDot + 1);
  if (secondDot === -1 || token.indexOf('.', secondDot + 1) !== -1) throw new JwsError('malformed');
  if (
    !COMPACT_ALPHABET.test(token) ||
    !hasCanonicalTail(token, 0, firstDot) ||
    !hasCanonicalTail(token, firstDot + 1, secondDot) ||
    !hasCanonicalTail(token, secondDot + 1, token.length)
  ) {
    throw new JwsError('bad_base64url');
  }

  const header = cachedHeader(token.slice(0, firstDot));
  const alg = checkAlgorithm(header.alg, options.allowedAlgorithms);
  if (Object.hasOwn(header, 'crit')) throw new JwsError('crit_unsupported');
  if (Object.hasOwn(header, 'b64') && header.b64 !== true) throw new JwsError('b64_false');
  const kid = header.kid;
  if (typeof kid !== 'string' || kid.length > MAX_KID_LENGTH) throw new JwsError('malformed');

  const key = resolve(kid);
  if (key === undefined) throw new JwsError('unknown_kid');
  if (key.alg !== alg) throw new JwsError('alg_mismatch');
  if (keyProblem(alg, key.key, 'verify') !== undefined) throw new JwsError('key_unusable');

  const signingInput = token.slice(0, secondDot);
  const signature = Buffer.from(token.slice(secondDot + 1), 'base64url');
  if (!isValidSignature(alg, key.key, signingInput, signature)) throw new JwsError('bad_signature');

  return { header, payload: Buffer.from(token.slice(firstDot + 1, secondDot), 'base64url'), signingInput };
}

function payloadBytes(payload: Uint8Array | string | object): Uint8Array {
  if (payload instanceof Uint8Array) return payload;
  return Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload), 'utf8');
}

/**
 * Tokens from one key share one header, so parsed headers are kept by their encoded segment (bounded; frozen,
 * so no caller can change what the next one gets). Only successful parses are kept; every check on the header's
 * contents still runs on each call.
 */
const HEADER_CACHE_SIZE = 256;
const headers = new Map<string, Record<string, unknown>>();

function cachedHeader(segment: string): Record<string, unknown> {
  let header = headers.get(segment);
  if (header === undefined) {
    header = Object.freeze(parseHeader(Buffer.from(segment, 'base64url')));
    if (headers.size >= HEADER_CACHE_SIZE) headers.clear();
    headers.set(segment, header);
  }
  return header;
}

/** The header as a JSON object; its bytes must be UTF-8 (RFC 7515 §5.2 step 3). */
function parseHeader(bytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new JwsError('bad_utf8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch {
    throw new JwsError('bad_json');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new JwsError('bad_json');
  return header as Record<string, unknown>;
}

function checkAlgorithm(alg: unknown, allowed: readonly JwsAlgorithm[] | undefined): JwsAlgorithm {
  if (typeof alg !== 'string') throw new JwsError('malformed');
  if (alg.toLowerCase() === 'none') throw new JwsError('alg_none');
  const known = JWS_ALGORITHMS.find((candidate) => candidate === alg);
  if (known === undefined || (allowed !== undefined && !allowed.includes(known))) {
    throw new JwsError('alg_not_allowed');
  }
  return known;
}
