import type { ConfigCatalog } from './catalog.ts';

/** Shown instead of a secret value. */
export const REDACTED = '***';

/**
 * Whether a config key holds a secret, as its schema entry says (`secretKey()` in config-fields.ts). A name rule
 * would hide TTLs and switches named after tokens or credentials and still miss a secret named otherwise.
 */
export function isSecretKey(dottedKey: string, catalog: ConfigCatalog): boolean {
  return catalog.byName.get(dottedKey)?.secret === true;
}

// scheme://userinfo@ — the authority part runs up to the first / ? # or whitespace, and a greedy match takes
// the last @ in it, so a password with an unencoded @ is still covered.
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^/?#\s]*)@/gi;

/** `postgres://user:pass@host/db` → `postgres://user:***@host/db`; strings without a password are unchanged. */
export function redactUrlPasswords(text: string): string {
  return text.replace(URL_USERINFO, (match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    if (colon === -1) return match;
    return `${scheme}${userinfo.slice(0, colon)}:${REDACTED}@`;
  });
}

/** A config value as it may be shown to a person: secrets hidden, URL passwords masked. */
export function redactValue(dottedKey: string, value: unknown, catalog: ConfigCatalog): unknown {
  if (value === undefined || value === null) return value;
  if (isSecretKey(dottedKey, catalog)) {
    // Each secret of a list hidden on its own, so an empty list still reads as empty.
    return Array.isArray(value) ? value.map(() => REDACTED) : REDACTED;
  }
  if (typeof value === 'string') return redactUrlPasswords(value);
  if (Array.isArray(value))
    return value.map((item) => (typeof item === 'string' ? redactUrlPasswords(item) : item));
  return value;
}
