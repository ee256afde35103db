import type { MiddlewareHandler } from 'hono';
import { pendResponseHeader } from '../../core/response-headers.ts';
import { type PipelineStage, stageMiddleware } from '../../core/stage.ts';

export interface SecurityHeadersOptions {
  /** Content-Security-Policy value (config `http.securityHeaders.contentSecurityPolicy`); `''` sends none. Default `frame-ancestors 'none'`. */
  contentSecurityPolicy?: string;
  /** Referrer-Policy value (config `http.securityHeaders.referrerPolicy`). Default `no-referrer`. */
  referrerPolicy?: string;
  /** Strict-Transport-Security: `on`, `off`, or `auto` = only when `production` (config `http.securityHeaders.hsts`). Default `auto`. */
  hsts?: 'auto' | 'on' | 'off';
  /** HSTS max-age (config `http.securityHeaders.hstsMaxAgeSeconds`). Default 31536000 (one year). */
  hstsMaxAgeSeconds?: number;
  /** Whether Lift runs in production (config `env`), which switches `hsts: 'auto'` on. Default `false`. */
  production?: boolean;
}

/**
 * Adds the response headers every API response should carry: X-Content-Type-Options, Referrer-Policy,
 * X-Frame-Options, Content-Security-Policy and, when enabled, Strict-Transport-Security. They are pended before the
 * handler and land on whatever response the request ends with, error responses included; a header the handler
 * set itself is left as it is (see core/response-headers.ts).
 */
export function securityHeaders(options: SecurityHeadersOptions = {}): MiddlewareHandler {
  return stageMiddleware(securityHeadersStage(options));
}

/** The security headers as a pipeline stage (see core/stage.ts). */
export function securityHeadersStage(options: SecurityHeadersOptions = {}): PipelineStage {
  const csp = options.contentSecurityPolicy ?? "frame-ancestors 'none'";
  const hsts = options.hsts ?? 'auto';
  const hstsOn = hsts === 'on' || (hsts === 'auto' && options.production === true);
  const headers: [string, string][] = [
    ['x-content-type-options', 'nosniff'],
    ['referrer-policy', options.referrerPolicy ?? 'no-referrer'],
    ['x-frame-options', 'DENY'],
  ];
  if (csp !== '') headers.push(['content-security-policy', csp]);
  if (hstsOn)
    headers.push(['strict-transport-security', `max-age=${options.hstsMaxAgeSeconds ?? 31_536_000}`]);

  return {
    before(c) {
      for (const [name, value] of headers) pendResponseHeader(c, name, value);
      return undefined;
    },
  };
}
