import { type Clock, systemClock } from './clock.ts';
import { componentIdentifier, componentValue, sfString } from './signature-components.ts';

/**
 * `signRequest(request, key)`: an HTTP message signature (RFC 9421) for a request to a Lift route behind
 * `requireSignature()`, with WebCrypto only, so the same code runs in browsers and Node. It adds
 * `Content-Digest` (RFC 9530) over the body when a covered component asks for it, then `Signature-Input` and
 * `Signature`; by default it covers what the server requires by default and sends a fresh nonce.
 */

/** WebCrypto's key type, named through the global `crypto` so no DOM or Node library types are needed. */
type CryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
type SignAlgorithm = Parameters<typeof crypto.subtle.sign>[0];

export type SignatureAlgorithm = 'hmac-sha256' | 'ed25519' | 'ecdsa-p256-sha256' | 'rsa-pss-sha512';

export interface RequestSigningKey {
  /** The keyid the server knows this key by. */
  keyid: string;
  alg: SignatureAlgorithm;
  /** The private key (WebCrypto), or for hmac-sha256 the shared secret's bytes or an HMAC CryptoKey. */
  key: CryptoKey | Uint8Array;
}

export interface SignRequestOptions {
  /** Covered components; default `@method @authority @path @query content-digest content-type`. */
  components?: readonly string[];
  /** The signature's label. Default `sig1`. */
  label?: string;
  /** A nonce, or `false` for none. Default 16 random bytes, base64url. */
  nonce?: string | false;
  /** Sends the `alg` parameter too (the server checks it against the key's algorithm). Default false. */
  includeAlg?: boolean;
  /** An application tag (`tag` parameter). */
  tag?: string;
  /** Content-Digest algorithm when one is added. Default sha-256. */
  digest?: 'sha-256' | 'sha-512';
  clock?: Clock;
}

export const DEFAULT_SIGNED_COMPONENTS = [
  '@method',
  '@authority',
  '@path',
  '@query',
  'content-digest',
  'content-type',
] as const;

const ALGORITHMS: Record<SignatureAlgorithm, { key: string; sign: SignAlgorithm }> = {
  'hmac-sha256': { key: 'HMAC', sign: 'HMAC' },
  ed25519: { key: 'Ed25519', sign: 'Ed25519' },
  // WebCrypto's ECDSA signature is r ‖ s, the encoding RFC 9421 §3.3.4 asks for.
  'ecdsa-p256-sha256': { key: 'ECDSA', sign: { name: 'ECDSA', hash: 'SHA-256' } },
  'rsa-pss-sha512': { key: 'RSA-PSS', sign: { name: 'RSA-PSS', saltLength: 64 } },
};

/** A copy of `request` with Content-Digest (when covered), Signature-Input and Signature. */
export async function signRequest(
  request: Request,
  key: RequestSigningKey,
  options: SignRequestOptions = {},
): Promise<Request> {
  const identifiers = (options.components ?? DEFAULT_SIGNED_COMPONENTS).map(componentIdentifier);
  const headers = new Headers(request.headers);
  if (identifiers.includes('"content-digest"') && !headers.has('content-digest')) {
    const body = new Uint8Array(await request.clone().arrayBuffer());
    headers.set('content-digest', await contentDigest(body, options.digest ?? 'sha-256'));
  }
  const draft = new Request(request.url, { method: request.method, headers });
  const created = Math.floor((options.clock ?? systemClock).now() / 1000);
  let params = `;created=${created};keyid=${sfString(key.keyid)}`;
  const nonce = options.nonce === undefined ? randomNonce() : options.nonce;
  if (nonce !== false) params += `;nonce=${sfString(nonce)}`;
  if (options.includeAlg) params += `;alg="${key.alg}"`;
  if (options.tag !== undefined) params += `;tag=${sfString(options.tag)}`;
  const signatureParams = `(${identifiers.join(' ')})${params}`;
  let base = '';
  for (const identifier of identifiers) {
    const value = componentValue(draft, identifier);
    if (/[\r\n]/.test(value)) throw new TypeError(`signRequest: ${identifier} has a line break.`);
    base += `${identifier}: ${value}\n`;
  }
  base += `"@signature-params": ${signatureParams}`;
  const signature = await signBase(key, new TextEncoder().encode(base));
  const label = options.label ?? 'sig1';
  headers.set('signature-input', `${label}=${signatureParams}`);
  headers.set('signature', `${label}=:${base64(signature)}:`);
  return new Request(request, { headers });
}

/** Signs the base with the key, after checking the key is one for its declared algorithm. */
async function signBase(key: RequestSigningKey, base: Uint8Array): Promise<Uint8Array> {
  const algorithm = ALGORITHMS[key.alg];
  if (algorithm === undefined) throw new TypeError(`signRequest: unsupported algorithm ${key.alg}.`);
  let cryptoKey: CryptoKey;
  if (key.key instanceof Uint8Array) {
    if (key.alg !== 'hmac-sha256')
      throw new TypeError('signRequest: raw bytes are an hmac-sha256 secret only.');
    cryptoKey = await crypto.subtle.importKey('raw', key.key, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ]);
  } else {
    cryptoKey = key.key;
  }
  if (cryptoKey.algorithm.name !== algorithm.key) {
    throw new TypeError(
      `signRequest: key ${key.keyid} is a ${cryptoKey.algorithm.name} key, not for ${key.alg}.`,
    );
  }
  return new Uint8Array(await crypto.subtle.sign(algorithm.sign, cryptoKey, base));
}

async function contentDigest(body: Uint8Array, algorithm: 'sha-256' | 'sha-512'): Promise<string> {
  const hash = algorithm === 'sha-256' ? 'SHA-256' : 'SHA-512';
  return `${algorithm}=:${base64(new Uint8Array(await crypto.subtle.digest(hash, body)))}:`;
}

function randomNonce(): string {
  return base64(crypto.getRandomValues(new Uint8Array(16)))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
