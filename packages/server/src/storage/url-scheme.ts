import { LiftConfigError } from '../core/errors.ts';

/**
 * The scheme of a storage URL (`postgres`, `redis`, `sqlite`), lower-cased, or `''` when the text has none.
 * Errors name the scheme only: the rest of a URL may hold a password.
 */
export function urlScheme(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url.trim());
  return match ? match[1]!.toLowerCase() : '';
}

/** The error for a URL no adapter understands; never repeats more of the URL than its scheme. */
export function unsupportedUrlError(setting: string, url: string, accepted: string[]): LiftConfigError {
  const scheme = urlScheme(url);
  const found = scheme ? `a URL with scheme "${scheme}:"` : 'a value without a URL scheme';
  return new LiftConfigError(`${setting} got ${found}; use ${accepted.join(', ')}.`);
}
