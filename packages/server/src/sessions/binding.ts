import { isIPv4, isIPv6 } from 'node:net';

/**
 * Anomaly binding: each session remembers the coarse shape of the client that logged in — its user-agent
 * family and its address's /24 (IPv4) or /48 (IPv6). A later request whose shape differs is an anomaly: a
 * stolen cookie replayed from elsewhere looks like this (so does a laptop moving networks, which is why the
 * default only records it).
 */

const FAMILIES: Array<[RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\//, 'edge'],
  [/\b(?:OPR|Opera)\//, 'opera'],
  [/\bFirefox\/|\bFxiOS\//, 'firefox'],
  [/\bChrome\/|\bCriOS\/|\bChromium\//, 'chrome'],
  [/\bSafari\//, 'safari'],
  [/^curl\//, 'curl'],
  [/^node|undici/i, 'node'],
  [/^python/i, 'python'],
  [/^Go-http-client\//, 'go'],
  [/^okhttp\//, 'okhttp'],
];

/** `chrome`, `firefox`, `safari`, `edge`, `curl` …; `other` for anything unknown, `none` when absent. */
export function userAgentFamily(userAgent: string | null | undefined): string {
  if (!userAgent) return 'none';
  for (const [pattern, family] of FAMILIES) if (pattern.test(userAgent)) return family;
  return 'other';
}

/** `203.0.113.0/24`, `2001:db8:1::/48`; IPv4-mapped IPv6 counts as IPv4; `unknown` for anything else. */
export function ipPrefix(ip: string | null | undefined): string {
  if (!ip) return 'unknown';
  const address = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if (isIPv4(address)) {
    const parts = address.split('.');
    return `${parts[0]}.${parts[1]}.${parts[2]}.0/24`;
  }
  if (isIPv6(address)) {
    const groups = expandIPv6(address);
    return `${groups.slice(0, 3).join(':')}::/48`;
  }
  return 'unknown';
}

function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(Math.max(missing, 0)).fill('0'), ...right];
  return groups.map((group) => (Number.parseInt(group, 16) || 0).toString(16));
}
