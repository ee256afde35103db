import { describe, expect, it } from 'vitest';
import { createTestApp } from '../test-app.ts';
import { type SecurityHeadersOptions, securityHeaders } from './index.ts';

function appWith(options?: SecurityHeadersOptions) {
  const app = createTestApp();
  app.use(securityHeaders(options));
  app.get('/', (c) => c.text('ok'));
  app.get('/framed', (c) =>
    c.text('ok', 200, { 'x-frame-options': 'SAMEORIGIN', 'content-security-policy': "default-src 'self'" }),
  );
  app.get('/boom', () => {
    throw new Error('boom');
  });
  return app;
}

describe('securityHeaders', () => {
  it('sends the defaults and no HSTS outside production', async () => {
    const res = await appWith().request('/');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    expect(res.headers.has('strict-transport-security')).toBe(false);
  });

  it('sends them on error and not-found responses too', async () => {
    for (const path of ['/boom', '/missing']) {
      const res = await appWith().request(path);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('does not override headers the handler set', async () => {
    const res = await appWith().request('/framed');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('sends HSTS when on, or auto in production, with the configured max-age', async () => {
    const auto = await appWith({ production: true }).request('/');
    expect(auto.headers.get('strict-transport-security')).toBe('max-age=31536000');
    const on = await appWith({ hsts: 'on', hstsMaxAgeSeconds: 600 }).request('/');
    expect(on.headers.get('strict-transport-security')).toBe('max-age=600');
    const off = await appWith({ hsts: 'off', production: true }).request('/');
    expect(off.headers.has('strict-transport-security')).toBe(false);
  });

  it('uses the configured values and omits CSP when it is empty', async () => {
    const res = await appWith({ contentSecurityPolicy: '', referrerPolicy: 'same-origin' }).request('/');
    expect(res.headers.has('content-security-policy')).toBe(false);
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
  });
});
