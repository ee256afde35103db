import { encodeBase64url, encodeJsonBase64url } from './base64url.ts';
import { type Clock, systemClock } from './clock.ts';

/**
 * A DPoP key (RFC 9449): an ES256 key pair made with WebCrypto whose private half cannot be exported, so
 * whoever steals the tokens (from storage, from a log) cannot make the proofs that a DPoP-bound token needs.
 */

/** The public half, as the proof header carries it: only the members RFC 7638 thumbprints. */
export interface DpopPublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

/** The request a proof is for. */
export interface DpopProofRequest {
  /** The method exactly as sent (`GET`, `POST`). */
  method: string;
  /** The absolute URL; the proof's `htu` leaves out its query and fragment (RFC 9449 §4.2). */
  url: string;
  /** The access token sent with the request; its SHA-256 becomes the proof's `ath`. */
  accessToken?: string;
}

const encoder = new TextEncoder();

async function sha256Base64url(text: string): Promise<string> {
  return encodeBase64url(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text))));
}

function targetUri(url: string): string {
  const target = new URL(url);
  target.search = '';
  target.hash = '';
  return target.href;
}

export class DpopKey {
  readonly publicJwk: DpopPublicJwk;
  readonly #sign: (data: Uint8Array) => Promise<ArrayBuffer>;
  readonly #clock: Clock;

  private constructor(
    publicJwk: DpopPublicJwk,
    sign: (data: Uint8Array) => Promise<ArrayBuffer>,
    clock: Clock,
  ) {
    this.publicJwk = publicJwk;
    this.#sign = sign;
    this.#clock = clock;
  }

  /** A fresh P-256 key pair; the private key is non-extractable (WebCrypto still exports the public one). */
  static async generate(clock: Clock = systemClock): Promise<DpopKey> {
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ]);
    const { x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
    if (x === undefined || y === undefined) throw new Error('WebCrypto exported a P-256 key without x or y.');
    // WebCrypto's ECDSA signature is r ‖ s, 64 bytes: already the JWS encoding (RFC 7518 §3.4).
    const sign = (data: Uint8Array) =>
      crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, data);
    return new DpopKey({ kty: 'EC', crv: 'P-256', x, y }, sign, clock);
  }

  /** A proof JWT for one request: `typ: dpop+jwt`, ES256, a fresh `jti`, and `ath` when a token is sent. */
  async proof(request: DpopProofRequest): Promise<string> {
    const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: this.publicJwk };
    const claims: Record<string, string | number> = {
      jti: crypto.randomUUID(),
      htm: request.method,
      htu: targetUri(request.url),
      iat: Math.floor(this.#clock.now() / 1000),
    };
    if (request.accessToken !== undefined) claims.ath = await sha256Base64url(request.accessToken);
    const signingInput = `${encodeJsonBase64url(header)}.${encodeJsonBase64url(claims)}`;
    const signature = await this.#sign(encoder.encode(signingInput));
    return `${signingInput}.${encodeBase64url(new Uint8Array(signature))}`;
  }
}
