import type { Principal } from '../core/request-state.ts';
import { isChannelName } from './protocol.ts';

/**
 * Who may do what on a channel. A channel is `namespace:rest`; its namespace's policy decides each action. The
 * default rule for an action is the permission `realtime.<namespace>:<action>` (Lift permissions are
 * `resource:action`, so the namespace joins the resource: `realtime.tenant:subscribe`, and a role holding
 * `realtime.tenant:*` may do everything there), decided by the access module
 * in the channel's tenant (`tenant:<tenantId>:…`), else in the principal's active tenant. Two namespaces are
 * built in: `user:<userId>` (that user only; nobody publishes from a client) and `tenant:<tenantId>:<name>`
 * (members of that tenant holding the permission).
 */

export type ChannelAction = 'subscribe' | 'publish' | 'presence';

/**
 * `permission`: `realtime.<namespace>:<action>` in the channel's tenant; `authenticated`: any principal;
 * `nobody`: refused (server-side publishing still works); a function decides itself.
 */
export type ChannelRule =
  | 'permission'
  | 'authenticated'
  | 'nobody'
  | ((principal: Principal, channel: ParsedChannel) => boolean);

export interface NamespacePolicy {
  subscribe?: ChannelRule;
  /** Default `nobody`: clients publish only where a namespace says so. */
  publish?: ChannelRule;
  presence?: ChannelRule;
  /** Keep a bounded history for recovery (`realtime.history.*`). Default true. */
  history?: boolean;
  /**
   * Send `join` / `leave` frames to a channel's subscribers as connections come and go. Default false: on a
   * channel of n subscribers every join is n frames, n² to fill it — opt in for rooms, not for broadcast
   * channels. Presence itself (`{"type":"presence"}`) is kept either way.
   */
  joinLeave?: boolean;
}

export interface ParsedChannel {
  name: string;
  namespace: string;
  /** The parts after the namespace. */
  parts: string[];
  /** The tenant the channel belongs to: `tenant:<tenantId>:…`; null for other namespaces. */
  tenantId: string | null;
}

/** What decides permissions: the access module's `can`, or undefined when the app has no access module. */
export type PermissionCheck = (principal: Principal, permission: string, tenantId: string | null) => boolean;

/** Why an action on a channel was refused, as the `error` reply says. */
export type ChannelRefusal = 'bad_channel' | 'unknown_namespace' | 'forbidden';

const BUILT_IN: Readonly<Record<string, NamespacePolicy>> = {
  user: {
    subscribe: (principal, channel) => channel.parts.length === 1 && channel.parts[0] === principal.userId,
    presence: (principal, channel) => channel.parts.length === 1 && channel.parts[0] === principal.userId,
    publish: 'nobody',
  },
  tenant: { subscribe: 'permission', presence: 'permission', publish: 'nobody' },
};

/** The permission an action on a namespace needs when its rule is `permission`. */
export function permissionFor(namespace: string, action: ChannelAction): string {
  return `realtime.${namespace.toLowerCase()}:${action}`;
}

export function parseChannel(name: string): ParsedChannel | undefined {
  if (!isChannelName(name)) return undefined;
  const [namespace, ...parts] = name.split(':') as [string, ...string[]];
  if (namespace === 'tenant' && parts.length < 2) return undefined;
  return { name, namespace, parts, tenantId: namespace === 'tenant' ? parts[0]! : null };
}

export class ChannelPolicies {
  readonly #namespaces: Map<string, NamespacePolicy>;
  readonly #can: PermissionCheck | undefined;

  constructor(namespaces: Readonly<Record<string, NamespacePolicy>>, can: PermissionCheck | undefined) {
    this.#namespaces = new Map(Object.entries({ ...BUILT_IN, ...namespaces }));
    this.#can = can;
  }

  policyOf(channel: ParsedChannel): NamespacePolicy | undefined {
    return this.#namespaces.get(channel.namespace);
  }

  /** Undefined when allowed, else why not. */
  check(principal: Principal, name: string, action: ChannelAction): ChannelRefusal | undefined {
    const channel = parseChannel(name);
    if (channel === undefined) return 'bad_channel';
    const policy = this.policyOf(channel);
    if (policy === undefined) return 'unknown_namespace';
    const rule = policy[action] ?? (action === 'publish' ? 'nobody' : 'permission');
    return this.#allows(rule, principal, channel, action) ? undefined : 'forbidden';
  }

  /** Whether the namespace sends join/leave frames. */
  announcesJoinLeave(name: string): boolean {
    const channel = parseChannel(name);
    return channel !== undefined && (this.policyOf(channel)?.joinLeave ?? false);
  }

  /** Whether the namespace keeps history (unknown namespaces keep none). */
  keepsHistory(name: string): boolean {
    const channel = parseChannel(name);
    return channel !== undefined && (this.policyOf(channel)?.history ?? true);
  }

  #allows(rule: ChannelRule, principal: Principal, channel: ParsedChannel, action: ChannelAction): boolean {
    if (rule === 'nobody') return false;
    if (rule === 'authenticated') return true;
    if (typeof rule === 'function') return rule(principal, channel);
    // Without an access module nothing holds a permission: fail closed.
    if (this.#can === undefined) return false;
    const tenant = channel.tenantId ?? principal.tenantId ?? null;
    return this.#can(principal, permissionFor(channel.namespace, action), tenant);
  }
}
