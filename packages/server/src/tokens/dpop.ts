import { hash, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { LiftConfigError, LiftError } from '../core/errors.ts';
import type { KeyValueStore } from '../storage/index.ts';
import { decodeBase64url } from './jws/base64url.ts';
import { importJwk, jwkThumbprint } from './jws/jwk.ts';
import { isValidSignature } from './jws/jws-algorithms.ts';

/**
 * DPoP proof verification (RFC 9449 §4.3): the `DPoP` header of a request proves that its sender holds the
 * private key whose public half the proof carries, for this method and URI, now, and only once. The returned
 * `jkt` (RFC 7638 thumbprint of that key) is what a DPoP-bound access token names in `cnf.jkt`.
 */

export type DpopAlgorithm = 'EdDSA' | 'ES256' | 'RS256' | 'PS256';

/** The asymmetric algorithms Lift verifies proofs with; `none` and HS* are never among them (§4.3 item 5). */
export const DPOP_ALGORITHMS: readonly DpopAlgorithm[] = ['EdDSA', 'ES256', 'RS256', 'PS256'];

/** Longest proof accepted, in characters (a valid proof is ASCII, so also in bytes). */
export const MAX_DPOP_PROOF_BYTES = 8192;

/** Longest `jti` accepted: a random id needs far fewer, and each one is stored for the whole window. */
export const MAX_DPOP_JTI_LENGTH = 128;

/** Default of `maxAgeMs`. */
export const DEFAULT_DPOP_MAX_AGE_MS = 60_000;

/** Added to `maxAgeMs` on each side of the window, for clients whose clocks are a little off. */
export const DPOP_IAT_LEEWAY_MS = 5_000;

/** Members that carry private or secret key material (RFC 7518 §6); a proof's `jwk` must have none. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * Why a proof was refused. Clients only see the one code and `invalid_dpop_proof`; the reason is for logs,
 * events and metrics.
 */
export type DpopErrorReason =
  /** Longer than 8 KiB; refused before any parsing. */
  | 'too_large'
  /** Not three strict base64url segments, or a header or claims set that is not a UTF-8 JSON object. */
  | 'malformed'
  /** Header `typ` is not exactly `dpop+jwt`. */
  | 'wrong_typ'
  /** Header `alg` is `none`, in any letter case. */
  | 'alg_none'
  /** Header `alg` is missing, symmetric (HS*), unknown, or not in `allowedAlgorithms`. */
  | 'alg_not_allowed'
  /** The header has `crit`: no extension is understood, so none can be honoured. */
  | 'crit_unsupported'
  /** Header `jwk` is missing or not an object. */
  | 'jwk_missing'
  /** Header `jwk` carries private key material (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth` or `k`). */
  | 'jwk_private'
  /** Header `jwk` is not a usable public key for `alg` (type, curve, RSA under 2048 bits, `alg`/`use`). */
  | 'jwk_invalid'
  /** The signature does not verify with the header's `jwk`. */
  | 'bad_signature'
  /** `jti` missing, not a string, empty, or longer than 128 characters. */
  | 'bad_jti'
  /** `htm` is not exactly the request method. */
  | 'htm_mismatch'
  /** `htu` is not the request URI (query and fragment aside). */
  | 'htu_mismatch'
  /** `iat` missing or not a number. */
  | 'bad_iat'
  /** `iat` is more than `maxAgeMs` + 5 s in the past. */
  | 'iat_too_old'
  /** `iat` is more than `maxAgeMs` + 5 s in the future. */
  | 'iat_in_future'
  /** An access token came with the request but the proof has no `ath`. */
  | 'ath_missing'
  /** `ath` is not base64url(SHA-256(access token)). */
  | 'ath_mismatch'
  /** The proof key's thumbprint is not the one the access token is bound to. */
  | 'jkt_mismatch'
  /** This key already presented this `jti` within the window. */
  | 'replayed';

/**
 * A refused DPoP proof: 401 `LIFT_DPOP_INVALID`, with `WWW-Authenticate: DPoP error="invalid_dpop_proof"`
 * naming the accepted algorithms (RFC 9449 §7.1), and a machine `reason`.
 */
export class DpopError extends LiftError {
  readonly reason: DpopErrorReason;

  constructor(reason: DpopErrorReason, algorithms: readonly DpopAlgorithm[] = DPOP_ALGORITHMS) {
    super('LIFT_DPOP_INVALID', 401, 'Invalid DPoP proof', {
      detail: 'The DPoP proof is invalid.',
      headers: { 'www-authenticate': `DPoP error="invalid_dpop_proof", algs="${algorithms.join(' ')}"` },
    });
    this.reason = reason;
  }
}

/** What the request the proof came with looks like. */
export interface DpopProofCheck {
  /** The request method, compared exactly (`POST`, not `post`). */
  htm: string;
  /**
   * The absolute request URI as the client addressed it, or the URIs it may have addressed (the app's own
   * origins); query and fragment are ignored.
   */
  htu: string | readonly string[];
  /** The access token presented with the proof; when given, the proof's `ath` must be its SHA-256. */
  accessToken?: string;
  /** The thumbprint the access token is bound to (`cnf.jkt`); when given, the proof key must have it. */
  expectedJkt?: string;
}

export interface VerifiedDpopProof {
  /** RFC 7638 thumbprint of the proof key. */
  jkt: string;
  jti: string;
  /** The proof's `iat`, in seconds since the epoch, as sent. */
  iat: number;
}

export interface DpopVerifierOptions {
  /** Where used `jti`s are kept; on Redis, replay is refused across every node. */
  kv: KeyValueStore;
  clock: Clock;
  /**
   * How far `iat` may be from the clock on either side, in ms (default 60 s); 5 s of leeway is added to both
   * sides. Longer windows tolerate worse client clocks but keep more `jti`s and let a captured proof live longer.
   */
  maxAgeMs?: number;
  /** Algorithms accepted (default all four: EdDSA, ES256, RS256, PS256). */
  allowedAlgorithms?: DpopAlgorithm[];
  /** Prefix of the `jti` keys in `kv` (default `dpop:jti:`). */
  prefix?: string;
}

export class DpopVerifier {
  readonly #kv: KeyValueStore;
  readonly #clock: Clock;
  readonly #windowMs: number;
  readonly #algorithms: readonly DpopAlgorithm[];
  readonly #prefix: string;

  constructor(options: DpopVerifierOptions) {
    const maxAgeMs = options.maxAgeMs ?? DEFAULT_DPOP_MAX_AGE_MS;
    if (!Number.isFinite(maxAgeMs) || maxAgeMs <= 0) {
      throw new LiftConfigError(`DPoP maxAgeMs must be a positive number of ms, not ${maxAgeMs}`);
    }
    const algorithms = options.allowedAlgorithms ?? DPOP_ALGORITHMS;
    const unknown = algorithms.find((alg) => !DPOP_ALGORITHMS.includes(alg));
    if (algorithms.length === 0 || unknown !== undefined) {
      throw new LiftConfigError(`DPoP allowedAlgorithms must be some of ${DPOP_ALGORITHMS.join(', ')}`);
    }
    this.#kv = options.kv;
    this.#clock = options.clock;
    this.#windowMs = maxAgeMs + DPOP_IAT_LEEWAY_MS;
    this.#algorithms = [...algorithms];
    this.#prefix = options.prefix ?? 'dpop:jti:';
  }

  /**
   * Checks `proof` against the request and records its `jti`; throws `DpopError` otherwise. The `jti` is
   * recorded last, so a proof refused for any other reason does not use it up.
   */
  async verify(proof: string, check: DpopProofCheck): Promise<VerifiedDpopProof> {
    if (typeof proof !== 'string') this.#refuse('malformed');
    if (proof.length > MAX_DPOP_PROOF_BYTES) this.#refuse('too_large');
    const segments = proof.split('.');
    if (segments.length !== 3) this.#refuse('malformed');
    const [encodedHeader = '', encodedClaims = '', encodedSignature = ''] = segments;
    const header = this.#decodeObject(encodedHeader);
    const claimsBytes = decodeBase64url(encodedClaims);
    const signature = decodeBase64url(encodedSignature);
    if (claimsBytes === undefined || signature === undefined) this.#refuse('malformed');

    if (header.typ !== 'dpop+jwt') this.#refuse('wrong_typ');
    const alg = this.#algorithm(header.alg);
    if (Object.hasOwn(header, 'crit')) this.#refuse('crit_unsupported');
    const jwk = this.#publicJwk(header.jwk);
    const key = this.#importKey(jwk, alg);
    if (!isValidSignature(alg, key, `${encodedHeader}.${encodedClaims}`, signature)) {
      this.#refuse('bad_signature');
    }

    const claims = this.#parseObject(claimsBytes);
    const jti = claims.jti;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_DPOP_JTI_LENGTH) {
      this.#refuse('bad_jti');
    }
    if (claims.htm !== check.htm) this.#refuse('htm_mismatch');
    if (typeof claims.htu !== 'string' || !matchesRequest(targetUri(claims.htu), check.htu)) {
      this.#refuse('htu_mismatch');
    }
    const iat = claims.iat;
    if (typeof iat !== 'number' || !Number.isFinite(iat)) this.#refuse('bad_iat');
    const ageMs = this.#clock.now() - iat * 1000;
    if (ageMs > this.#windowMs) this.#refuse('iat_too_old');
    if (ageMs < -this.#windowMs) this.#refuse('iat_in_future');
    if (check.accessToken !== undefined) {
      if (claims.ath === undefined) this.#refuse('ath_missing');
      if (claims.ath !== hash('sha256', check.accessToken, 'base64url')) this.#refuse('ath_mismatch');
    }
    const jkt = jwkThumbprint(jwk);
    if (check.expectedJkt !== undefined && jkt !== check.expectedJkt) this.#refuse('jkt_mismatch');

    // Keyed by proof key as well as jti, so one client cannot use up another's jti. The proof passes the iat
    // check here until iat + window; the entry outlives that by one more window, for nodes whose clocks run
    // behind this one's.
    const first = await this.#kv.set(`${this.#prefix}${jkt}:${hash('sha256', jti, 'base64url')}`, '1', {
      ifNotExists: true,
      ttlMs: 2 * this.#windowMs - ageMs,
    });
    if (!first) this.#refuse('replayed');
    return { jkt, jti, iat };
  }

  #refuse(reason: DpopErrorReason): never {
    throw new DpopError(reason, this.#algorithms);
  }

  #algorithm(alg: unknown): DpopAlgorithm {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') this.#refuse('alg_none');
    const allowed = this.#algorithms.find((candidate) => candidate === alg);
    if (allowed === undefined) this.#refuse('alg_not_allowed');
    return allowed;
  }

  #publicJwk(jwk: unknown): JsonWebKey {
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) this.#refuse('jwk_missing');
    if (PRIVATE_JWK_MEMBERS.some((member) => Object.hasOwn(jwk, member))) this.#refuse('jwk_private');
    return jwk as JsonWebKey;
  }

  #importKey(jwk: JsonWebKey, alg: DpopAlgorithm): KeyObject {
    try {
      return importJwk(jwk, alg);
    } catch (error) {
      if (error instanceof LiftConfigError) this.#refuse('jwk_invalid');
      throw error;
    }
  }

  #decodeObject(segment: string): Record<string, unknown> {
    const bytes = decodeBase64url(segment);
    if (bytes === undefined) this.#refuse('malformed');
    return this.#parseObject(bytes);
  }

  /** A JSON object from strict UTF-8 (no replacement characters, no byte-order mark). */
  #parseObject(bytes: Buffer): Record<string, unknown> {
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes));
    } catch {
      this.#refuse('malformed');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.#refuse('malformed');
    return value as Record<string, unknown>;
  }
}

/**
 * `uri` without query and fragment, normalised as RFC 9449 §4.3 asks (RFC 3986 §6.2.2–6.2.3): WHATWG URL
 * parsing lowercases scheme and host, drops a default port, resolves dot segments and turns an empty path
 * into `/`. Undefined for anything but an absolute http(s) URI.
 */
function targetUri(uri: string): string | undefined {
  if (!URL.canParse(uri)) return undefined;
  const url = new URL(uri);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  url.search = '';
  url.hash = '';
  return url.href;
}

/** Whether a proof's normalised `htu` names the request (one of its possible URIs). */
function matchesRequest(target: string | undefined, htu: string | readonly string[]): boolean {
  if (target === undefined) return false;
  if (typeof htu === 'string') return target === requestUri(htu);
  return htu.some((uri) => target === requestUri(uri));
}

/** The request side of the `htu` comparison; a URI the server cannot parse is the caller's mistake. */
function requestUri(uri: string): string {
  const target = targetUri(uri);
  if (target === undefined)
    throw new LiftConfigError(`DPoP check: htu ${uri} is not an absolute http(s) URI`);
  return target;
}
