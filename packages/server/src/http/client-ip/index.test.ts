import { afterEach, describe, expect, it } from 'vitest';
import { LiftConfigError } from '../../core/errors.ts';
import { createTestApp, listen, type RunningServer } from '../test-app.ts';
import { clientIp } from './index.ts';

function appWith(trustedProxies?: string[]) {
  const app = createTestApp();
  app.use(clientIp(trustedProxies ? { trustedProxies } : {}));
  app.get('/ip', (c) => c.text(c.var.clientIp));
  return app;
}

async function ipSeen(
  trustedProxies: string[] | undefined,
  remoteAddress: string,
  xff?: string,
): Promise<string> {
  const headers: Record<string, string> = xff === undefined ? {} : { 'x-forwarded-for': xff };
  const res = await appWith(trustedProxies).request('/ip', { headers }, { remoteAddress });
  return res.text();
}

describe('clientIp', () => {
  it('ignores X-Forwarded-For when no proxy is trusted', async () => {
    expect(await ipSeen(undefined, '198.51.100.7', '203.0.113.9')).toBe('198.51.100.7');
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    expect(await ipSeen(['10.0.0.0/8'], '198.51.100.7', '203.0.113.9')).toBe('198.51.100.7');
  });

  it('uses the hop a trusted proxy appended', async () => {
    expect(await ipSeen(['10.0.0.0/8'], '10.1.2.3', '203.0.113.9')).toBe('203.0.113.9');
  });

  it('ignores spoofed entries left of the first untrusted hop', async () => {
    expect(await ipSeen(['10.0.0.0/8'], '10.1.2.3', '1.1.1.1, 203.0.113.9')).toBe('203.0.113.9');
    expect(await ipSeen(['10.0.0.0/8'], '10.1.2.3', '1.1.1.1, 203.0.113.9, 10.9.9.9')).toBe('203.0.113.9');
  });

  it('stops at the proxy when a trusted hop is garbage, and when every hop is trusted uses the leftmost', async () => {
    expect(await ipSeen(['10.0.0.0/8'], '10.1.2.3', 'not-an-ip')).toBe('10.1.2.3');
    expect(await ipSeen(['10.0.0.0/8'], '10.1.2.3', '10.0.0.1, 10.0.0.2')).toBe('10.0.0.1');
  });

  it('handles IPv6 CIDRs, hop ports and IPv4-mapped IPv6 addresses', async () => {
    expect(await ipSeen(['2001:db8::/32'], '2001:db8::1', 'FD00::5, [2001:db8:ffff::9]:443')).toBe('fd00::5');
    expect(await ipSeen(['2001:db8::/32'], '2001:db9::1', 'fd00::5')).toBe('2001:db9::1');
    expect(await ipSeen(['2001:db8::/32'], '2001:db8::1', '192.0.2.5:1234')).toBe('192.0.2.5');
    expect(await ipSeen(['10.0.0.0/8'], '::ffff:10.0.0.1', '::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(await ipSeen(['::ffff:10.0.0.0/104'], '10.0.0.1', '203.0.113.9')).toBe('203.0.113.9');
    expect(await ipSeen(['192.0.2.1'], '192.0.2.1', '203.0.113.9')).toBe('203.0.113.9');
  });

  it("is 'unknown' when there is no peer address", async () => {
    const res = await appWith(['10.0.0.0/8']).request('/ip', {
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    expect(await res.text()).toBe('unknown');
  });

  it('refuses invalid trusted proxies at factory time', () => {
    for (const entry of [
      '10.0.0.0/33',
      'example.com',
      '10.0.0.0/8/1',
      '2001:db8::/129',
      '10.0.0/8',
      '10.0.0.0/x',
    ]) {
      expect(() => clientIp({ trustedProxies: [entry] }), entry).toThrow(LiftConfigError);
    }
  });

  describe('behind a real socket', () => {
    let server: RunningServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    it('reads the socket address and trusts loopback only when configured', async () => {
      server = await listen(appWith());
      const direct = await fetch(`${server.url}/ip`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(await direct.text()).toBe('127.0.0.1');
      await server.close();

      server = await listen(appWith(['127.0.0.1/32', '::1']));
      const proxied = await fetch(`${server.url}/ip`, {
        headers: { 'x-forwarded-for': '1.1.1.1, 203.0.113.9' },
      });
      expect(await proxied.text()).toBe('203.0.113.9');
    });
  });
});
