/**
 * The signing module's public face: what apps and other modules may use. Everything else in this folder is
 * internal (the boundary test in test/architecture refuses deep imports).
 */

export {
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithm,
  signSignatureBase,
  type VerificationKey,
} from './algorithms.ts';
export { type SigningSettings, signingConfig } from './config.ts';
export { contentDigest, type DigestAlgorithm } from './content-digest.ts';
export { SIGNING_ERRORS } from './error-codes.ts';
export { type RequireSignatureOptions, type Signing, signingModule } from './module.ts';
export { signatureOf } from './require-signature.ts';
export { type SignedMessage, signatureBase } from './signature-base.ts';
export { REFUSAL_REASONS, type RefusalReason, SignatureInvalidError } from './signature-invalid-error.ts';
export {
  DEFAULT_COVERED_COMPONENTS,
  type IncomingSignedRequest,
  type SignatureKeys,
  type SignaturePolicyOptions,
  type VerifiedSignature,
} from './signature-verifier.ts';
export { parseDictionary, StructuredFieldError, serializeInnerList } from './structured-fields.ts';
