import { z } from 'zod';
import { secretKey } from '../core/config/config-fields.ts';
import { SIGNATURE_ALGORITHMS } from './algorithms.ts';

/**
 * The config section the signing module owns: `signing.*` (LIFT_SIGNING__*). `requireSignature()` takes these
 * as its defaults; a route's own options override them.
 */

const keySchema = z
  .strictObject({
    keyid: z.string().min(1).describe('The keyid a signature names.'),
    alg: z
      .enum(SIGNATURE_ALGORITHMS)
      .describe('The algorithm this key verifies; a signature naming another is refused.'),
    secret: secretKey(
      z.string().optional(),
      'hmac-sha256 only: the shared secret, base64, at least 32 bytes.',
    ),
    publicKey: z
      .string()
      .optional()
      .describe('ed25519, ecdsa-p256-sha256, rsa-pss-sha512: the public key, PEM (SPKI) or a JWK as JSON.'),
  })
  .refine((key) => (key.alg === 'hmac-sha256' ? key.secret !== undefined : key.publicKey !== undefined), {
    message: 'An hmac-sha256 key needs `secret`; the others need `publicKey`.',
  });

const signingSection = z
  .strictObject({
    maxAgeSeconds: z.coerce
      .number()
      .int()
      .min(1)
      .default(300)
      .describe('A signature is accepted this long after its created time (replay window).'),
    clockSkewSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .max(300)
      .default(5)
      .describe('How far in the future a created time may be (clients whose clocks run ahead).'),
    nonce: z
      .enum(['optional', 'required'])
      .default('optional')
      .describe(
        'required: every signature carries a nonce; a nonce present is always checked against replays.',
      ),
    failureLimit: z.coerce
      .number()
      .int()
      .min(1)
      .default(30)
      .describe(
        'Failed signature verifications a client address (IPv6 by /64) may make per failureWindowSeconds; beyond, 429 and no verification until the window admits it again.',
      ),
    failureWindowSeconds: z.coerce
      .number()
      .int()
      .min(1)
      .default(60)
      .describe('The sliding window of failureLimit.'),
    keys: secretKey(
      z
        .array(keySchema)
        .default([])
        .refine((keys) => new Set(keys.map((key) => key.keyid)).size === keys.length, {
          message: 'Each keyid appears once.',
        }),
      'Keys for requireSignature() routes that name none of their own: [{ keyid, alg, secret | publicKey }] (LIFT_SIGNING__KEYS as a JSON array).',
    ),
  })
  .prefault({});

/** The sections of the signing module, as `LiftModule.config`. */
export const signingConfig = { signing: signingSection };

export type SigningSettings = z.output<typeof signingSection>;

declare module '../core/config/schema.ts' {
  interface LiftConfigSections {
    signing: typeof signingSection;
  }
}
