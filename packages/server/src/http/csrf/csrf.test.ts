import { describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../core/errors.ts';
import { CsrfError, csrfVerdict } from './index.ts';

const OWN = 'https://app.example.com';
const PARTNER = 'https://partner.example.org';
const ownOrigins = [OWN, 'http://localhost:3000'];
const allowedOrigins = [PARTNER, 'capacitor://localhost'];

interface Case {
  name: string;
  method?: string;
  secFetchSite?: string;
  origin?: string;
  ok: boolean;
}

const cases: Case[] = [
  // Safe methods never change state.
  {
    name: 'GET cross-site',
    method: 'GET',
    secFetchSite: 'cross-site',
    origin: 'https://evil.test',
    ok: true,
  },
  { name: 'HEAD with null origin', method: 'HEAD', origin: 'null', ok: true },
  { name: 'OPTIONS cross-site', method: 'OPTIONS', secFetchSite: 'cross-site', ok: true },
  { name: 'lower-case get', method: 'get', secFetchSite: 'cross-site', ok: true },

  // Sec-Fetch-Site decides when present.
  { name: 'same-origin', secFetchSite: 'same-origin', origin: OWN, ok: true },
  {
    name: 'same-origin trusts the browser over Origin',
    secFetchSite: 'same-origin',
    origin: 'https://x.test',
    ok: true,
  },
  { name: 'none (typed URL, bookmark)', secFetchSite: 'none', ok: true },
  { name: 'cross-site from an allowlisted origin', secFetchSite: 'cross-site', origin: PARTNER, ok: true },
  {
    name: 'cross-site from another origin',
    secFetchSite: 'cross-site',
    origin: 'https://evil.test',
    ok: false,
  },
  { name: 'cross-site without Origin', secFetchSite: 'cross-site', ok: false },
  { name: 'cross-site with Origin null', secFetchSite: 'cross-site', origin: 'null', ok: false },
  { name: 'same-site subdomain', secFetchSite: 'same-site', origin: 'https://blog.example.com', ok: false },
  {
    name: 'same-site from an own origin',
    secFetchSite: 'same-site',
    origin: 'http://localhost:3000',
    ok: true,
  },
  {
    name: 'Sec-Fetch-Site in upper case',
    secFetchSite: 'CROSS-SITE',
    origin: 'https://evil.test',
    ok: false,
  },
  {
    name: 'native shell origin allowlisted',
    secFetchSite: 'cross-site',
    origin: 'capacitor://localhost',
    ok: true,
  },

  // Without Sec-Fetch-Site, Origin decides.
  { name: 'own origin', origin: OWN, ok: true },
  { name: 'allowlisted origin', origin: PARTNER, ok: true },
  { name: 'foreign origin', origin: 'https://evil.test', ok: false },
  { name: 'Origin null', origin: 'null', ok: false },
  { name: 'garbage Origin', origin: 'not an origin', ok: false },
  { name: 'own host on another scheme', origin: 'http://app.example.com', ok: false },
  { name: 'look-alike suffix', origin: 'https://app.example.com.evil.test', ok: false },
  {
    name: 'unknown Sec-Fetch-Site falls back to Origin',
    secFetchSite: 'weird',
    origin: 'https://evil.test',
    ok: false,
  },
  { name: 'unknown Sec-Fetch-Site, own Origin', secFetchSite: 'weird', origin: OWN, ok: true },

  // Normal form: case and default ports.
  { name: 'upper-case scheme and host', origin: 'HTTPS://APP.Example.COM', ok: true },
  { name: 'explicit default port', origin: 'https://app.example.com:443', ok: true },
  { name: 'non-default port of the own host', origin: 'https://app.example.com:8443', ok: false },
  { name: 'own origin with its port', origin: 'http://localhost:3000', ok: true },
  { name: 'own host on another port', origin: 'http://localhost:3001', ok: false },
  { name: 'own host without its port', origin: 'http://localhost', ok: false },

  // Neither header: not a browser, so no victim's cookie.
  { name: 'POST with neither header', ok: true },
  { name: 'DELETE with neither header', method: 'DELETE', ok: true },

  // Every state-changing method is checked, unknown ones too.
  {
    name: 'PUT cross-site',
    method: 'PUT',
    secFetchSite: 'cross-site',
    origin: 'https://evil.test',
    ok: false,
  },
  {
    name: 'PATCH cross-site',
    method: 'PATCH',
    secFetchSite: 'cross-site',
    origin: 'https://evil.test',
    ok: false,
  },
  { name: 'DELETE foreign origin', method: 'DELETE', origin: 'https://evil.test', ok: false },
  { name: 'unknown method', method: 'PURGE', origin: 'https://evil.test', ok: false },
];

describe('csrfVerdict', () => {
  it.each(cases)('$name → ok: $ok', ({ method = 'POST', secFetchSite, origin, ok }) => {
    const verdict = csrfVerdict({ method, secFetchSite, origin, ownOrigins, allowedOrigins });
    expect(verdict.ok).toBe(ok);
    if (!verdict.ok) expect(verdict.reason).not.toBe('');
  });

  it('normalises the configured origins too', () => {
    const verdict = csrfVerdict({
      method: 'POST',
      secFetchSite: 'cross-site',
      origin: 'https://partner.example.org',
      ownOrigins: [],
      allowedOrigins: ['HTTPS://Partner.Example.org:443'],
    });
    expect(verdict).toEqual({ ok: true });
  });

  it('lets a configured entry that is not an origin match nothing, not even Origin null', () => {
    for (const origin of ['null', 'not an origin']) {
      const verdict = csrfVerdict({
        method: 'POST',
        secFetchSite: undefined,
        origin,
        ownOrigins: ['null'],
        allowedOrigins: ['not an origin'],
      });
      expect(verdict.ok, origin).toBe(false);
    }
  });

  it('says why it refused', () => {
    expect(
      csrfVerdict({
        method: 'POST',
        secFetchSite: 'same-site',
        origin: 'https://blog.example.com',
        ownOrigins,
        allowedOrigins,
      }),
    ).toEqual({
      ok: false,
      reason: 'Sec-Fetch-Site is same-site and Origin "https://blog.example.com" is not allowlisted',
    });
    expect(
      csrfVerdict({
        method: 'POST',
        secFetchSite: 'cross-site',
        origin: undefined,
        ownOrigins,
        allowedOrigins,
      }),
    ).toEqual({ ok: false, reason: 'Sec-Fetch-Site is cross-site and the request has no Origin header' });
    expect(
      csrfVerdict({ method: 'POST', secFetchSite: undefined, origin: 'null', ownOrigins, allowedOrigins }),
    ).toEqual({ ok: false, reason: `Origin "null" is neither this app's origin nor allowlisted` });
  });
});

describe('CsrfError', () => {
  it('is a 403 LIFT_CSRF with the reason and the way out in its detail', () => {
    const error = new CsrfError('Origin "https://evil.test" is neither this app\'s origin nor allowlisted');
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error.status).toBe(403);
    expect(error.code).toBe('LIFT_CSRF');
    expect(error.detail).toContain('"https://evil.test"');
    expect(error.detail).toContain('auth.csrfAllowedOrigins');
    expect(error.detail).toContain('bearer token');
  });
});
