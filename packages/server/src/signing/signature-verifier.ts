import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { LiftConfigError } from '../core/errors.ts';
import type { KeyValueStore } from '../storage/index.ts';
import { type PreparedKey, prepareKey, type VerificationKey, verifySignatureBytes } from './algorithms.ts';
import { checkContentDigest } from './content-digest.ts';
import { ComponentError, type SignedMessage, signatureBase } from './signature-base.ts';
import { type RefusalReason, SignatureInvalidError } from './signature-invalid-error.ts';
import {
  type BareItem,
  type InnerList,
  isInnerList,
  parseDictionary,
  parseItem,
  StructuredFieldError,
  serializeItem,
} from './structured-fields.ts';

/**
 * Verification of one signed request (RFC 9421 §3.2) against a policy: which keys, which components must be
 * covered, how old a signature may be, whether a nonce is required. Cheap checks come first and the body is
 * read only when the signature holds and a Content-Digest needs checking; the nonce is recorded last, so a
 * forged request cannot use up a real client's nonce.
 */

/** The components a signature must cover unless a route says otherwise (issue 14). */
export const DEFAULT_COVERED_COMPONENTS = [
  '@method',
  '@authority',
  '@path',
  '@query',
  'content-digest',
  'content-type',
] as const;

/** Keys by `keyid`, or a function that looks one up (a registered client's key). */
export type SignatureKeys =
  | Readonly<Record<string, VerificationKey>>
  | ((keyid: string) => VerificationKey | undefined | Promise<VerificationKey | undefined>);

export interface SignaturePolicyOptions {
  keys: SignatureKeys;
  /** Components every signature must cover, as identifiers (`@method`, `content-type`, `"@query-param";name="id"`). */
  components?: readonly string[];
  /** How long after `created` a signature is accepted. Default 300. */
  maxAgeSeconds?: number;
  /** How far in the future `created` may be (clocks differ). Default 5. */
  clockSkewSeconds?: number;
  /** `required`: every signature carries a nonce; `optional`: a nonce present is still checked. Default optional. */
  nonce?: 'optional' | 'required';
  /** The signature label to verify; default the first one in Signature-Input. */
  label?: string;
}

export interface SignaturePolicy {
  resolveKey(keyid: string): PreparedKey | undefined | Promise<PreparedKey | undefined>;
  /** Serialized identifiers of the required components. */
  components: readonly string[];
  maxAgeSeconds: number;
  clockSkewSeconds: number;
  nonce: 'optional' | 'required';
  label: string | undefined;
}

/** What a verified signature tells the handler. */
export interface VerifiedSignature {
  label: string;
  keyid: string;
  alg: PreparedKey['alg'];
  /** `created`, in seconds since the epoch. */
  created: number;
  nonce: string | undefined;
  tag: string | undefined;
  /** The covered components, serialized. */
  components: string[];
}

/** A request as the verifier reads it: the parts a signature covers and a one-time read of the body. */
export interface IncomingSignedRequest extends SignedMessage {
  body(): Promise<Uint8Array>;
}

/** A refusal with what is known of the signature so far, for the event. */
export class SignatureRefusal {
  constructor(
    readonly error: SignatureInvalidError,
    readonly keyid: string | null,
    readonly label: string | null,
  ) {}
}

/** Checks options and parses keys and components once, at setup. */
export function signaturePolicy(options: SignaturePolicyOptions): SignaturePolicy {
  const maxAgeSeconds = options.maxAgeSeconds ?? 300;
  const clockSkewSeconds = options.clockSkewSeconds ?? 5;
  if (!(maxAgeSeconds > 0) || !(clockSkewSeconds >= 0)) {
    throw new LiftConfigError('requireSignature(): maxAgeSeconds > 0 and clockSkewSeconds ≥ 0, in seconds.');
  }
  const components = (options.components ?? DEFAULT_COVERED_COMPONENTS).map(componentIdentifier);
  return {
    resolveKey: keyResolver(options.keys),
    components,
    maxAgeSeconds,
    clockSkewSeconds,
    nonce: options.nonce ?? 'optional',
    label: options.label,
  };
}

function componentIdentifier(component: string): string {
  try {
    return serializeItem(parseItem(component.startsWith('"') ? component : `"${component}"`));
  } catch {
    throw new LiftConfigError(`requireSignature(): "${component}" is not a component identifier.`);
  }
}

function keyResolver(keys: SignatureKeys): SignaturePolicy['resolveKey'] {
  if (typeof keys === 'function') {
    // A resolver's keys are parsed on each use; a resolver that caches returns the same KeyObject each time.
    return (keyid) => {
      const found = keys(keyid);
      const prepare = (key: VerificationKey | undefined) => (key ? prepareKey(keyid, key) : undefined);
      return found instanceof Promise ? found.then(prepare) : prepare(found);
    };
  }
  const prepared = new Map(Object.entries(keys).map(([keyid, key]) => [keyid, prepareKey(keyid, key)]));
  return (keyid) => prepared.get(keyid);
}

export interface VerifierDeps {
  kv: KeyValueStore;
  clock: Clock;
}

/** Verifies `request` under `policy`; throws a `SignatureRefusal` when it fails. */
export async function verifyRequestSignature(
  request: IncomingSignedRequest,
  policy: SignaturePolicy,
  deps: VerifierDeps,
): Promise<VerifiedSignature> {
  const known: { keyid: string | null; label: string | null } = { keyid: null, label: null };
  const refuse = (reason: RefusalReason, detail: string): never => {
    throw new SignatureRefusal(new SignatureInvalidError(reason, detail), known.keyid, known.label);
  };
  const { label, input, signature } = selectSignature(request.headers, policy.label, known, refuse);
  const params = readParams(input, refuse);
  if (params.keyid === undefined) return refuse('unknown_key', 'The signature names no keyid.');
  known.keyid = params.keyid;

  const key = await policy.resolveKey(params.keyid);
  if (key === undefined) return refuse('unknown_key', `No key is known as ${params.keyid}.`);
  if (params.alg !== undefined && params.alg !== key.alg) {
    return refuse('algorithm_not_allowed', `Key ${params.keyid} is for ${key.alg}, not ${params.alg}.`);
  }

  const covered = input.items.map(serializeItem);
  const missing = policy.components.filter((component) => !covered.includes(component));
  if (missing.length > 0) {
    return refuse('missing_component', `The signature must cover ${missing.join(' ')}.`);
  }
  const now = deps.clock.now() / 1000;
  checkFreshness(params, policy, now, refuse);

  let base: string;
  try {
    base = signatureBase(request, input);
  } catch (error) {
    if (error instanceof ComponentError) return refuse(error.reason, error.message);
    if (error instanceof StructuredFieldError) return refuse('malformed', error.message);
    throw error;
  }
  if (!verifySignatureBytes(key, base, signature)) {
    return refuse('signature_mismatch', 'The signature does not match the request.');
  }

  await checkDigest(request, refuse);

  if (params.nonce !== undefined) {
    // Kept until the signature could no longer pass the age check, so a replay is refused either way.
    const ttlMs = Math.max(1, Math.ceil((params.created + policy.maxAgeSeconds - now) * 1000) + 1000);
    const fresh = await deps.kv.set(nonceKey(params.keyid, params.nonce), '1', { ifNotExists: true, ttlMs });
    if (!fresh) return refuse('nonce_replayed', 'This nonce was used before.');
  }

  return {
    label,
    keyid: params.keyid,
    alg: key.alg,
    created: params.created,
    nonce: params.nonce,
    tag: params.tag,
    components: covered,
  };
}

/** Step 1: the two fields parsed, and the member of each for the label verified. */
function selectSignature(
  headers: Headers,
  wanted: string | undefined,
  known: { label: string | null },
  refuse: (reason: RefusalReason, detail: string) => never,
): { label: string; input: InnerList; signature: Uint8Array } {
  const inputField = headers.get('signature-input');
  const signatureField = headers.get('signature');
  if (inputField === null || signatureField === null) {
    return refuse(
      'missing_signature',
      'This route requires Signature-Input and Signature fields (RFC 9421).',
    );
  }
  let inputs: ReturnType<typeof parseDictionary>;
  let signatures: ReturnType<typeof parseDictionary>;
  try {
    inputs = parseDictionary(inputField);
    signatures = parseDictionary(signatureField);
  } catch (error) {
    if (!(error instanceof StructuredFieldError)) throw error;
    return refuse(
      'malformed',
      `Signature-Input or Signature is not a structured dictionary: ${error.message}`,
    );
  }
  const label = wanted ?? inputs.keys().next().value;
  if (label === undefined) return refuse('missing_signature', 'Signature-Input names no signature.');
  known.label = label;
  const input = inputs.get(label);
  const signature = signatures.get(label);
  if (input === undefined || signature === undefined) {
    return refuse('missing_signature', `No signature labelled ${label} in both fields.`);
  }
  if (!isInnerList(input) || isInnerList(signature) || !(signature.value instanceof Uint8Array)) {
    return refuse('malformed', `Signature-Input ${label} is not an inner list, or its Signature not bytes.`);
  }
  return { label, input, signature: signature.value };
}

/** Step 4: `created` within the window, `expires` not passed, a nonce when one is required. */
function checkFreshness(
  params: SignatureParams,
  policy: SignaturePolicy,
  now: number,
  refuse: (reason: RefusalReason, detail: string) => never,
): asserts params is SignatureParams & { created: number } {
  if (params.created === undefined) refuse('missing_created', 'The signature has no created time.');
  const created = params.created as number;
  if (created > now + policy.clockSkewSeconds) {
    refuse('created_in_future', 'The signature was created in the future.');
  }
  if (now - created > policy.maxAgeSeconds) {
    refuse('expired', `The signature is older than ${policy.maxAgeSeconds} s.`);
  }
  if (params.expires !== undefined && now > params.expires) {
    refuse('expired', 'The signature is past its expires time.');
  }
  if (params.nonce === undefined && policy.nonce === 'required') {
    refuse('nonce_required', 'The signature must carry a nonce.');
  }
}

/** Step 6: a Content-Digest field, covered or not, must match the body. */
async function checkDigest(
  request: IncomingSignedRequest,
  refuse: (reason: RefusalReason, detail: string) => never,
): Promise<void> {
  const field = request.headers.get('content-digest');
  if (field === null) return;
  const check = checkContentDigest(field, await request.body());
  if (check === 'mismatch') refuse('digest_mismatch', 'Content-Digest does not match the body.');
  if (check === 'unsupported')
    refuse('digest_unsupported', 'Content-Digest names neither sha-256 nor sha-512.');
  if (check === 'malformed') refuse('malformed', 'Content-Digest is not a structured dictionary.');
}

/** The kv key of a used nonce: hashed, so a client's nonce text never shapes the store's keys. */
function nonceKey(keyid: string, nonce: string): string {
  return `signing:nonce:${createHash('sha256').update(`${keyid}\u0000${nonce}`).digest('base64url')}`;
}

interface SignatureParams {
  keyid?: string;
  alg?: string;
  created?: number;
  expires?: number;
  nonce?: string;
  tag?: string;
}

const STRING_PARAMS = ['keyid', 'alg', 'nonce', 'tag'] as const;
const INTEGER_PARAMS = ['created', 'expires'] as const;

function readParams(
  input: InnerList,
  refuse: (reason: RefusalReason, detail: string) => never,
): SignatureParams {
  const params: SignatureParams = {};
  for (const [name, value] of input.params) {
    if ((STRING_PARAMS as readonly string[]).includes(name)) {
      if (typeof value !== 'string') refuse('malformed', `The ${name} parameter is not a string.`);
      params[name as (typeof STRING_PARAMS)[number]] = value as string;
    } else if ((INTEGER_PARAMS as readonly string[]).includes(name)) {
      if (!isInteger(value)) refuse('malformed', `The ${name} parameter is not an integer.`);
      params[name as (typeof INTEGER_PARAMS)[number]] = value as number;
    }
  }
  for (const item of input.items) {
    if (typeof item.value !== 'string') refuse('malformed', 'A covered component is not a string.');
  }
  return params;
}

function isInteger(value: BareItem): boolean {
  return typeof value === 'number' && Number.isInteger(value);
}
