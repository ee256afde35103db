export { importJwk, jwkThumbprint, type PublicJwk, publicJwk } from './jwk.ts';
export {
  DEFAULT_MAX_TOKEN_BYTES,
  MAX_KID_LENGTH,
  signCompact,
  type VerifiedCompact,
  type VerifyCompactOptions,
  verifyCompact,
} from './jws.ts';
export { JwsError, type JwsErrorReason } from './jws-error.ts';
export {
  JWS_ALGORITHMS,
  type JwsAlgorithm,
  type KeyResolver,
  type SigningKey,
  type VerificationKey,
} from './jws-types.ts';
