import { isIPv4, isIPv6 } from 'node:net';

/**
 * The counter subject of a client address: an IPv4 address as it is, an IPv6 address by its /64. One
 * customer line gets a whole /64, so counting single IPv6 addresses would give each client 2^64 counters.
 * IPv4-mapped IPv6 (`::ffff:192.0.2.1`) counts as its IPv4 address.
 */
export function clientSubject(ip: string): string {
  const mapped = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if (isIPv4(mapped)) return mapped;
  const address = mapped.split('%')[0]!;
  if (!isIPv6(address)) return 'unknown';
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, `::` filled in, leading zeros dropped. */
function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array.from({ length: missing }, () => '0'), ...right].map((group) =>
    Number.parseInt(group, 16).toString(16),
  );
}

/** The subject string of a client address as `rateLimit({ key: 'ip' })` counts it: `ip:<address or /64>`. */
export function ipSubject(ip: string): string {
  return `ip:${clientSubject(ip)}`;
}
