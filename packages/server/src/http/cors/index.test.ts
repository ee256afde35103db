import { describe, expect, it } from 'vitest';
import { LiftConfigError } from '../../core/errors.ts';
import { createTestApp } from '../test-app.ts';
import { type CorsOptions, cors, isCorsPreflight } from './index.ts';

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example.net';

function appWith(options: CorsOptions) {
  const app = createTestApp();
  app.use(cors(options));
  app.get('/notes', (c) => c.json([]));
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.get('/varied', (c) => c.text('ok', 200, { vary: 'Accept-Encoding' }));
  return app;
}

const preflight = (origin: string) => ({
  method: 'OPTIONS',
  headers: {
    origin,
    'access-control-request-method': 'POST',
    'access-control-request-headers': 'content-type',
  },
});

const CORS_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-expose-headers',
  'access-control-max-age',
];

describe('cors', () => {
  it('allows an origin on the list, echoing exactly that origin', async () => {
    const res = await appWith({ origins: [APP], credentials: true }).request('/notes', {
      headers: { origin: APP },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-expose-headers')).toBe('x-request-id');
    expect(res.headers.get('vary')).toBe('Origin');
  });

  it('never reflects an origin that is not on the list', async () => {
    const app = appWith({ origins: [APP], credentials: true });
    for (const origin of [EVIL, `${APP}.evil.example.net`, 'null', 'http://app.example.com']) {
      const res = await app.request('/notes', { headers: { origin } });
      expect(res.status).toBe(200);
      for (const name of CORS_HEADERS) expect(res.headers.has(name), `${origin} ${name}`).toBe(false);
      expect(res.headers.get('vary')).toBe('Origin');
    }
  });

  it('answers a preflight from an allowed origin with 204 and the allow headers', async () => {
    const res = await appWith({ origins: [APP], maxAgeSeconds: 120 }).request('/notes', preflight(APP));
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toContain('content-type');
    expect(res.headers.get('access-control-max-age')).toBe('120');
    expect(res.headers.has('access-control-allow-credentials')).toBe(false);
    expect(res.headers.get('vary')).toBe('Origin');
  });

  it('refuses a preflight from another origin with 403 and no CORS headers', async () => {
    const res = await appWith({ origins: [APP] }).request('/notes', preflight(EVIL));
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ code: 'LIFT_CORS_ORIGIN_DENIED', status: 403 });
    for (const name of CORS_HEADERS) expect(res.headers.has(name), name).toBe(false);
  });

  it('refuses every cross-origin preflight with the default empty allowlist', async () => {
    const res = await appWith({}).request('/notes', preflight(APP));
    expect(res.status).toBe(403);
  });

  it('with "*" and no credentials, allows any origin with a literal *', async () => {
    const app = appWith({ origins: ['*'] });
    const res = await app.request('/notes', { headers: { origin: EVIL } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.has('access-control-allow-credentials')).toBe(false);
    const pre = await app.request('/notes', preflight(EVIL));
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('adds CORS headers to error responses so the client can read the problem', async () => {
    const res = await appWith({ origins: [APP] }).request('/boom', { headers: { origin: APP } });
    expect(res.status).toBe(500);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('keeps an existing Vary header and adds Origin to it', async () => {
    const res = await appWith({ origins: [APP] }).request('/varied', { headers: { origin: APP } });
    expect(res.headers.get('vary')).toBe('Accept-Encoding, Origin');
  });

  it('passes same-origin and non-CORS OPTIONS requests through to the app', async () => {
    const app = appWith({ origins: [APP] });
    app.options('/notes', (c) => c.body(null, 204, { allow: 'GET, OPTIONS' }));
    const res = await app.request('/notes', { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('allow')).toBe('GET, OPTIONS');
    expect(res.headers.has('access-control-allow-origin')).toBe(false);
  });

  it('refuses "*" with credentials and inexact origins at factory time', () => {
    expect(() => cors({ origins: ['*'], credentials: true })).toThrow(LiftConfigError);
    for (const origin of [
      'https://app.example.com/',
      'app.example.com',
      'https://app.example.com/path',
      'null',
    ]) {
      expect(() => cors({ origins: [origin] }), origin).toThrow(LiftConfigError);
    }
  });

  it('recognises a preflight', () => {
    expect(isCorsPreflight(new Request('http://x/', preflight(APP)))).toBe(true);
    expect(isCorsPreflight(new Request('http://x/', { method: 'OPTIONS', headers: { origin: APP } }))).toBe(
      false,
    );
  });
});
