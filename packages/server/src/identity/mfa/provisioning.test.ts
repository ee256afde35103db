import { describe, expect, it } from 'vitest';
import type { RandomSource } from '../../core/crypto/random.ts';
import { decodeBase32 } from './base32.ts';
import { generateTotpSecret, otpauthUri, totpQrSvg } from './provisioning.ts';

describe('generateTotpSecret', () => {
  it('draws 20 bytes from the random source', () => {
    const asked: number[] = [];
    const random: RandomSource = {
      bytes: (length) => {
        asked.push(length);
        return Buffer.alloc(length, 7);
      },
    };
    expect(generateTotpSecret(random)).toEqual(Buffer.alloc(20, 7));
    expect(asked).toEqual([20]);
    expect(generateTotpSecret()).toHaveLength(20);
  });
});

describe('otpauthUri', () => {
  const secret = Buffer.from('12345678901234567890', 'ascii');

  it('follows the key URI format with the issuer in label and parameter', () => {
    const uri = otpauthUri({ issuer: 'Lift', account: 'ada@example.com', secret });
    expect(uri).toBe(
      'otpauth://totp/Lift:ada%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' +
        '&issuer=Lift&algorithm=SHA1&digits=6&period=30',
    );
  });

  it('percent-encodes spaces and reserved characters and carries the chosen parameters', () => {
    const uri = new URL(
      otpauthUri({
        issuer: 'Acme & Co',
        account: 'ada lovelace+mfa@example.com',
        secret,
        digits: 8,
        period: 60,
        algorithm: 'SHA256',
      }),
    );
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(uri.pathname).toBe('/Acme%20%26%20Co:ada%20lovelace%2Bmfa%40example.com');
    expect(uri.search).toContain('issuer=Acme%20%26%20Co&');
    expect(uri.searchParams.get('issuer')).toBe('Acme & Co');
    expect(uri.searchParams.get('algorithm')).toBe('SHA256');
    expect(uri.searchParams.get('digits')).toBe('8');
    expect(uri.searchParams.get('period')).toBe('60');
    expect(decodeBase32(uri.searchParams.get('secret')!)).toEqual(secret);
    expect(uri.searchParams.get('secret')).not.toContain('=');
  });

  it('refuses a colon or an empty value in issuer or account', () => {
    expect(() => otpauthUri({ issuer: 'Li:ft', account: 'ada', secret })).toThrow(/issuer/);
    expect(() => otpauthUri({ issuer: 'Lift', account: 'a:da', secret })).toThrow(/account/);
    expect(() => otpauthUri({ issuer: '', account: 'ada', secret })).toThrow(/issuer/);
  });
});

describe('totpQrSvg', () => {
  it('renders the URI as an SVG document', async () => {
    const svg = await totpQrSvg(otpauthUri({ issuer: 'Lift', account: 'ada', secret: Buffer.alloc(20, 1) }));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });
});
