import { describe, expect, it } from 'vitest';
import { ipPrefix, userAgentFamily } from './binding.ts';

describe('anomaly binding', () => {
  it('reduces user agents to their family', () => {
    const chrome =
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
    const edge = `${chrome} Edg/131.0.0.0`;
    const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
    const safari =
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15';
    expect(userAgentFamily(chrome)).toBe('chrome');
    expect(userAgentFamily(edge)).toBe('edge');
    expect(userAgentFamily(firefox)).toBe('firefox');
    expect(userAgentFamily(safari)).toBe('safari');
    expect(userAgentFamily('curl/8.5.0')).toBe('curl');
    expect(userAgentFamily('something/1')).toBe('other');
    expect(userAgentFamily(null)).toBe('none');
  });

  it('keeps the /24 of IPv4 and the /48 of IPv6', () => {
    expect(ipPrefix('203.0.113.77')).toBe('203.0.113.0/24');
    expect(ipPrefix('::ffff:203.0.113.77')).toBe('203.0.113.0/24');
    expect(ipPrefix('2001:db8:1:2::5')).toBe('2001:db8:1::/48');
    expect(ipPrefix('2001:0db8:0001:ffff:0:0:0:1')).toBe('2001:db8:1::/48');
    expect(ipPrefix('::1')).toBe('0:0:0::/48');
    expect(ipPrefix('not an ip')).toBe('unknown');
    expect(ipPrefix(undefined)).toBe('unknown');
  });
});
