import type { LiftModule } from '../core/module.ts';
import type { Middleware } from '../core/routes.ts';
import type { VerificationKey } from './algorithms.ts';
import { type SigningSettings, signingConfig } from './config.ts';
import { SIGNING_ERRORS } from './error-codes.ts';
// The module's events join the one catalog (core/events.ts) wherever the module is.
import type {} from './events.ts';
import { failureThrottle } from './failure-throttle.ts';
import { SIGNING_METRICS } from './metrics.ts';
import { signatureGuard } from './require-signature.ts';
import {
  type IncomingSignedRequest,
  type SignatureKeys,
  type SignaturePolicyOptions,
  SignatureRefusal,
  signaturePolicy,
  type VerifiedSignature,
  verifyRequestSignature,
} from './signature-verifier.ts';

/**
 * The signing module: HTTP message signatures (RFC 9421) with Content-Digest (RFC 9530) for service-to-service
 * calls. Opt-in: `createLift(config, { modules: [...liftModules(), signingModule()] })`; it needs the limits
 * module (failed signatures count against a per-IP limit). Routes ask for a
 * signature with `app.module('signing').requireSignature(options)`; options a route leaves out come from the
 * `signing` config section.
 */

/** What a route may set; everything has a default from `signing.*`. */
export type RequireSignatureOptions = Partial<SignaturePolicyOptions>;

export interface Signing {
  /** Route middleware: 401 `LIFT_SIGNATURE_INVALID` unless the request carries a valid signature. */
  requireSignature(options?: RequireSignatureOptions): Middleware;
  /** Verifies a request outside a route (a queue consumer, a test); throws `SignatureInvalidError`. */
  verify(request: IncomingSignedRequest, options?: RequireSignatureOptions): Promise<VerifiedSignature>;
}

declare module '../core/module.ts' {
  interface LiftModules {
    signing: Signing;
  }
}

export function signingModule(): LiftModule<'signing', Signing> {
  return {
    name: 'signing',
    // Failed signatures count against a per-IP limit of the limits module.
    needs: ['limits'],
    config: signingConfig,
    errors: SIGNING_ERRORS,
    metrics: SIGNING_METRICS,
    build({ config, ports, clock, events, metrics, module }) {
      const settings = config.signing;
      const throttle = failureThrottle(module('limits'), settings, clock);
      const verifications = metrics.counter('signature_verifications_total');
      const policyOf = (options: RequireSignatureOptions = {}) => {
        const policy = signaturePolicy({
          keys: options.keys ?? {},
          maxAgeSeconds: options.maxAgeSeconds ?? settings.maxAgeSeconds,
          clockSkewSeconds: options.clockSkewSeconds ?? settings.clockSkewSeconds,
          nonce: options.nonce ?? settings.nonce,
          ...(options.components === undefined ? {} : { components: options.components }),
          ...(options.label === undefined ? {} : { label: options.label }),
        });
        return options.keys === undefined ? { ...policy, resolveKey: configured.resolveKey } : policy;
      };
      // The configured keys are parsed here, so a weak or mismatched key fails the boot, not a request.
      const configured = signaturePolicy({ keys: keysFromConfig(settings) });
      const face: Signing = {
        requireSignature: (options) =>
          signatureGuard(policyOf(options), { kv: ports.kv, clock, events, verifications, throttle }),
        async verify(request, options) {
          try {
            return await verifyRequestSignature(request, policyOf(options), { kv: ports.kv, clock });
          } catch (error) {
            throw error instanceof SignatureRefusal ? error.error : error;
          }
        },
      };
      return { face };
    },
  };
}

function keysFromConfig(settings: SigningSettings): SignatureKeys {
  const keys: Record<string, VerificationKey> = {};
  for (const key of settings.keys) {
    keys[key.keyid] = { alg: key.alg, key: (key.alg === 'hmac-sha256' ? key.secret : key.publicKey) ?? '' };
  }
  return keys;
}
