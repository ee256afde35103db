import type { KeyObject } from 'node:crypto';
import { type SignatureAlgorithm, signSignatureBase } from '../../src/signing/algorithms.ts';
import { contentDigest } from '../../src/signing/content-digest.ts';
import { signatureBase } from '../../src/signing/signature-base.ts';
import { type InnerList, parseDictionary } from '../../src/signing/structured-fields.ts';

/**
 * Test support: a request signed with the server's own primitives, with knobs to get one thing wrong (the
 * client's `signRequest` has its own round-trip tests). Signature-Input is written by hand, as another
 * language's signer would.
 */

export interface TestSignature {
  keyid: string;
  alg: SignatureAlgorithm;
  key: KeyObject | string;
  components?: readonly string[];
  created: number;
  nonce?: string;
  /** The `alg` parameter to send (none by default). */
  algParam?: string;
}

export const DEFAULT_COMPONENTS = [
  '@method',
  '@authority',
  '@path',
  '@query',
  'content-digest',
  'content-type',
];

export function signedRequest(
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string> },
  signature: TestSignature,
): Request {
  const method = init.method ?? 'POST';
  const headers = new Headers(init.headers);
  if (init.body !== undefined) {
    headers.set('content-type', headers.get('content-type') ?? 'application/json');
    headers.set('content-digest', contentDigest(new TextEncoder().encode(init.body)));
  }
  const components = (signature.components ?? DEFAULT_COMPONENTS).map((c) => `"${c}"`).join(' ');
  let params = `;created=${signature.created};keyid="${signature.keyid}"`;
  if (signature.nonce !== undefined) params += `;nonce="${signature.nonce}"`;
  if (signature.algParam !== undefined) params += `;alg="${signature.algParam}"`;
  const input = `sig1=(${components})${params}`;
  const base = signatureBase({ method, url, headers }, parseDictionary(input).get('sig1') as InnerList);
  const bytes = signSignatureBase(signature.alg, signature.key, base);
  headers.set('signature-input', input);
  headers.set('signature', `sig1=:${Buffer.from(bytes).toString('base64')}:`);
  return new Request(url, { method, headers, ...(init.body === undefined ? {} : { body: init.body }) });
}
