import { LiftError } from '../core/errors.ts';

/** Why a signed request was refused: the `reason` member of the 401 and of the `signature.refused` event. */
export const REFUSAL_REASONS = [
  'missing_signature',
  'malformed',
  'unknown_key',
  'algorithm_not_allowed',
  'missing_component',
  'component_absent',
  'unsupported_component',
  'missing_created',
  'expired',
  'created_in_future',
  'nonce_required',
  'nonce_replayed',
  'signature_mismatch',
  'digest_mismatch',
  'digest_unsupported',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/**
 * 401 `LIFT_SIGNATURE_INVALID`, with `reason` as an extension member. `Accept-Signature` is not sent: what a
 * route requires is in its OpenAPI description and docs/traffic.md, not negotiated per request.
 */
export class SignatureInvalidError extends LiftError {
  readonly reason: RefusalReason;

  constructor(reason: RefusalReason, detail: string) {
    super('LIFT_SIGNATURE_INVALID', 401, 'Invalid signature', { detail, extensions: { reason } });
    this.reason = reason;
  }
}
