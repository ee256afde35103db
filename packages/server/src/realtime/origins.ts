/**
 * Whether `origin` is in `allowed`: exact (`https://app.example.com`), or a pattern with one wildcard label
 * (`https://*.example.com` matches `https://a.example.com`, not `https://example.com` nor
 * `https://a.b.example.com`). Scheme and port must match exactly.
 */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  for (const entry of allowed) {
    if (entry === origin) return true;
    const star = entry.indexOf('://*.');
    if (star === -1) continue;
    const scheme = entry.slice(0, star + 3);
    const suffix = entry.slice(star + 4);
    if (!origin.startsWith(scheme) || !origin.endsWith(suffix)) continue;
    const label = origin.slice(scheme.length, origin.length - suffix.length);
    if (/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(label)) return true;
  }
  return false;
}
