import { describe, expect, it } from 'vitest';
import { clientSubject } from './client-subject.ts';

describe('clientSubject', () => {
  it('keeps an IPv4 address, and reads IPv4-mapped IPv6 as IPv4', () => {
    expect(clientSubject('203.0.113.9')).toBe('203.0.113.9');
    expect(clientSubject('::ffff:203.0.113.9')).toBe('203.0.113.9');
  });

  it('groups IPv6 per /64, however the address is written', () => {
    const one = clientSubject('2001:db8:1:2:aaaa::1');
    expect(one).toBe('2001:db8:1:2::/64');
    expect(clientSubject('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe(one);
    expect(clientSubject('2001:db8:1:3::1')).not.toBe(one);
    expect(clientSubject('::1')).toBe('0:0:0:0::/64');
    expect(clientSubject('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('puts anything that is not an address under one subject', () => {
    expect(clientSubject('unknown')).toBe('unknown');
  });
});
