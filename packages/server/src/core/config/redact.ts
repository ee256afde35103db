import { SECRET_CONFIG_KEYS } from './schema.ts';

/** Shown instead of a secret value. */
export const REDACTED = '***';

const SECRET_NAME = /secret|password|passwd|token|api[-_]?key|private[-_]?key|credential/i;

/**
 * Whether a config key holds a secret: listed in SECRET_CONFIG_KEYS, or its last segment is named like one.
 * The name rule catches keys added later by modules that forget to list themselves.
 */
export function isSecretKey(dottedKey: string): boolean {
  if ((SECRET_CONFIG_KEYS as readonly string[]).includes(dottedKey)) return true;
  const last = dottedKey.slice(dottedKey.lastIndexOf('.') + 1);
  return SECRET_NAME.test(last);
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
export function redactValue(dottedKey: string, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (isSecretKey(dottedKey)) return REDACTED;
  if (typeof value === 'string') return redactUrlPasswords(value);
  if (Array.isArray(value))
    return value.map((item) => (typeof item === 'string' ? redactUrlPasswords(item) : item));
  return value;
}
