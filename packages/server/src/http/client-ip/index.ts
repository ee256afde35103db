import { BlockList, isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { LiftConfigError } from '../../core/errors.ts';
import { requestHeader } from '../../core/request-headers.ts';
import { type PipelineStage, stageMiddleware } from '../../core/stage.ts';

export interface ClientIpOptions {
  /**
   * CIDRs or single addresses (IPv4 or IPv6) of proxies whose X-Forwarded-For is believed (config
   * `http.clientIp.trustedProxies`). Default `[]`: trust none, use the socket address.
   */
  trustedProxies?: readonly string[];
}

type Family = 'ipv4' | 'ipv6';

const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** `::ffff:192.0.2.1` and `192.0.2.1` are the same client; compare and report the IPv4 form. */
function normalizeAddress(address: string): { address: string; family: Family } | undefined {
  const mapped = IPV4_MAPPED.exec(address);
  const plain = mapped?.[1] ?? address;
  const version = isIP(plain);
  if (version === 4) return { address: plain, family: 'ipv4' };
  if (version === 6) return { address: plain.toLowerCase(), family: 'ipv6' };
  return undefined;
}

function unmapIpv4(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function buildTrustList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [rawAddress = '', rawPrefix, extra] = entry.trim().split('/');
    const normalized = normalizeAddress(rawAddress);
    const invalid = () => new LiftConfigError(`Trusted proxy "${entry}" is not an IP address or CIDR.`);
    if (normalized === undefined || extra !== undefined) throw invalid();
    const max = normalized.family === 'ipv4' ? 32 : 128;
    let prefix = max;
    if (rawPrefix !== undefined) {
      if (!/^\d{1,3}$/.test(rawPrefix)) throw invalid();
      prefix = Number(rawPrefix);
      // An IPv4-mapped CIDR (::ffff:10.0.0.0/104) covers the IPv4 range of its last 32 bits.
      if (normalized.family === 'ipv4' && rawAddress.includes(':')) prefix -= 96;
      if (prefix < 0 || prefix > max) throw invalid();
    }
    list.addSubnet(normalized.address, prefix, normalized.family);
  }
  return list;
}

/** One X-Forwarded-For hop, which may carry a port (`192.0.2.1:4711`, `[2001:db8::1]:4711`). */
function parseHop(hop: string): { address: string; family: Family } | undefined {
  let value = hop.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed?.[1] !== undefined) value = bracketed[1];
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(':'));
  return normalizeAddress(value);
}

interface NodeBindings {
  incoming: { socket: { remoteAddress?: string } };
}

function hasNodeSocket(env: unknown): boolean {
  if (typeof env !== 'object' || env === null) return false;
  const bindings = ('server' in env ? env.server : env) as Partial<NodeBindings> | undefined;
  return typeof bindings?.incoming?.socket === 'object';
}

/** The peer address: the node socket, else `remoteAddress` given to `app.fetch(request, { remoteAddress })`. */
function socketAddress(c: Context): string | undefined {
  const env: unknown = c.env;
  const direct = (env as Partial<NodeBindings> | undefined)?.incoming?.socket?.remoteAddress;
  if (direct !== undefined) return direct;
  if (hasNodeSocket(env)) return getConnInfo(c).remote.address;
  if (
    typeof env === 'object' &&
    env !== null &&
    'remoteAddress' in env &&
    typeof env.remoteAddress === 'string'
  ) {
    return env.remoteAddress;
  }
  return undefined;
}

/**
 * Sets `c.var.clientIp` to the address of the client: the socket peer, or, when that peer is a trusted proxy, the
 * X-Forwarded-For entries read right to left for as long as each is itself a trusted proxy. Entries left of the
 * first untrusted hop are whatever the client chose to send and are ignored. `'unknown'` when there is no peer.
 *
 * @throws LiftConfigError when a trusted proxy entry is not an address or CIDR.
 */
export function clientIp(options: ClientIpOptions = {}): MiddlewareHandler {
  return stageMiddleware(clientIpStage(options));
}

/**
 * Whether the socket peer of a request is one of `trustedProxies`: what decides, for instance, whether an
 * incoming `traceparent` is continued (config `tracing.trustTraceparent: trusted-proxies`).
 */
export function trustedPeer(trustedProxies: readonly string[]): (c: Context) => boolean {
  if (trustedProxies.length === 0) return () => false;
  const trusted = buildTrustList(trustedProxies);
  return (c) => {
    const peer = normalizeAddress(socketAddress(c) ?? '');
    return peer !== undefined && trusted.check(peer.address, peer.family);
  };
}

/** Client IP resolution as a pipeline stage (see core/stage.ts). */
export function clientIpStage(options: ClientIpOptions = {}): PipelineStage {
  const entries = options.trustedProxies ?? [];
  const trusted = buildTrustList(entries);
  const trustsAny = entries.length > 0;

  const before = (c: Context): undefined => {
    const address = socketAddress(c);
    if (!trustsAny) {
      // The common case: the socket peer is the client. A socket address needs no validation, only unmapping.
      c.set('clientIp', address === undefined ? 'unknown' : unmapIpv4(address));
      return undefined;
    }
    const peer = normalizeAddress(address ?? '');
    let client = peer;
    if (peer !== undefined && trusted.check(peer.address, peer.family)) {
      const hops = (requestHeader(c, 'x-forwarded-for') ?? '').split(',');
      for (let i = hops.length - 1; i >= 0 && client !== undefined; i--) {
        if (!trusted.check(client.address, client.family)) break;
        const hop = parseHop(hops[i] ?? '');
        // A trusted proxy wrote something that is not an address: stop at the proxy rather than guess.
        if (hop === undefined) break;
        client = hop;
      }
    }
    c.set('clientIp', client?.address ?? 'unknown');
    return undefined;
  };
  return { before };
}
