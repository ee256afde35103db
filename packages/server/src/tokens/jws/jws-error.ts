import { UnauthenticatedError } from '../../core/errors.ts';

/**
 * Why a compact JWS was refused. Callers log and count the reason; the client only ever sees the one code
 * and detail, so a refused token does not tell its sender which check it failed.
 */
export type JwsErrorReason =
  /** Longer than `maxBytes`; refused before any parsing. */
  | 'too_large'
  /** Not three segments, or `alg`/`kid` missing or of the wrong type, or `kid` longer than 256 characters. */
  | 'malformed'
  /** A segment is not strict base64url: outside the alphabet, padded, or with non-zero trailing bits. */
  | 'bad_base64url'
  /** The header is not valid UTF-8. */
  | 'bad_utf8'
  /** The header is not a JSON object. */
  | 'bad_json'
  /** `alg` is `none`, in any letter case. */
  | 'alg_none'
  /** `alg` is not one Lift implements, or not in `allowedAlgorithms`. */
  | 'alg_not_allowed'
  /** The header has `crit`: Lift understands no extension, so it can honour none. */
  | 'crit_unsupported'
  /** The header has `b64` other than `true` (RFC 7797 unencoded payloads are not accepted). */
  | 'b64_false'
  /** The resolver has no key for this `kid`. */
  | 'unknown_kid'
  /** The header's `alg` is not the resolved key's `alg`. */
  | 'alg_mismatch'
  /** The resolved key cannot be used for its `alg` (wrong type or curve, RSA under 2048 bits, short secret). */
  | 'key_unusable'
  /** The signature does not verify. */
  | 'bad_signature';

/** A token whose JWS layer failed verification. Code `LIFT_TOKEN_INVALID`, status 401. */
export class JwsError extends UnauthenticatedError {
  readonly reason: JwsErrorReason;

  constructor(reason: JwsErrorReason) {
    super('The token is invalid.', 'LIFT_TOKEN_INVALID');
    this.reason = reason;
  }
}
