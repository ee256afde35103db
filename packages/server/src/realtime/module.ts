import { GLOBAL } from '../access/index.ts';
import type { LiftModule } from '../core/module.ts';
import { ChannelPolicies, type NamespacePolicy, type PermissionCheck, parseChannel } from './channels.ts';
import { type RealtimeSettings, realtimeConfig } from './config.ts';
import { REALTIME_ERRORS } from './error-codes.ts';
// The module's events join the one catalog (core/events.ts) wherever the module is.
import type {} from './events.ts';
import type { DisconnectFilter } from './gateway.ts';
import { REALTIME_METRICS, realtimeMetrics } from './metrics.ts';
import { RealtimeParts } from './parts.ts';
import type {
  ChannelHistory,
  ChannelPresence,
  ConnectionFilter,
  ConnectionRegistry,
  StreamPosition,
} from './ports.ts';
import { realtimeRoutes } from './routes.ts';
import { sseRoute } from './sse.ts';
import { Tickets } from './tickets.ts';

/** The realtime module's stores, one port built by the app's shape (memory, or Redis across nodes). */
export interface RealtimeStores {
  registry: ConnectionRegistry;
  history: ChannelHistory;
  presence: ChannelPresence;
}

/** The realtime module's public face (`app.module('realtime')`). */
export interface Realtime {
  /** Publishes to every subscriber of `channel` on every node; resolves with its position in the history. */
  publish(channel: string, data: unknown): Promise<StreamPosition>;
  /** Ends the matching connections on every node (close code 4102). */
  disconnect(filter: DisconnectFilter): Promise<void>;
  /** Live connections across the cluster: of a user, of a tenant, or all. Exact, without a scan. */
  count(filter?: ConnectionFilter): Promise<number>;
  /** Connections open on this process. */
  readonly localConnections: number;
}

export interface RealtimeModuleOptions {
  /** Channel namespaces besides the built-in `user` and `tenant`, and what each allows. */
  namespaces?: Readonly<Record<string, NamespacePolicy>>;
}

declare module '../core/module.ts' {
  interface LiftModules {
    realtime: Realtime;
  }
  interface LiftPorts {
    realtime: RealtimeStores;
  }
}

/**
 * The realtime module: an authenticated WebSocket gateway (`GET /ws`, protocol `lift.v1`) with channels,
 * presence, history and recovery, one login for HTTP and WebSocket (a revocation over HTTP closes the socket on
 * every node), and `POST /auth/ws-ticket` / `POST /realtime/publish`. docs/realtime.md and
 * docs/realtime-protocol.md describe it.
 */
export function realtimeModule(options: RealtimeModuleOptions = {}): LiftModule<'realtime', Realtime> {
  return {
    name: 'realtime',
    needs: ['limits'],
    uses: ['access', 'sessions', 'tokens'],
    config: realtimeConfig,
    errors: REALTIME_ERRORS,
    metrics: REALTIME_METRICS,
    build(context) {
      const settings: RealtimeSettings = context.config.realtime;
      const access = context.optionalModule('access');
      const can: PermissionCheck | undefined =
        access === undefined
          ? undefined
          : (principal, permission, tenantId) =>
              access.control.can(principal, permission, tenantId ?? GLOBAL);
      const policies = new ChannelPolicies(options.namespaces ?? {}, can);
      const metrics = realtimeMetrics(context.metrics);
      const tickets = new Tickets(context.ports.kv, settings.ticketTtlMs);
      const parts = new RealtimeParts(context, { settings, policies, metrics, tickets });
      const take = () => parts.gateway;
      const admit = () => parts.admission;

      const face: Realtime = {
        publish: (channel, data) => {
          if (parseChannel(channel) === undefined) {
            return Promise.reject(new TypeError(`"${channel}" is not a channel name (namespace:name).`));
          }
          return take().publish(channel, data);
        },
        disconnect: (filter) => take().disconnect(filter),
        count: (filter = {}) => take().count(filter),
        get localConnections() {
          return parts.built?.size ?? 0;
        },
      };

      return {
        face,
        start: () => take().start(),
        close: async () => {
          const gateway = parts.built;
          await gateway?.close();
          const stores = gateway === undefined ? undefined : context.ports.realtime;
          await Promise.all([stores?.registry.close(), stores?.history.close(), stores?.presence.close()]);
        },
        health: [{ name: 'realtime', check: { ping: () => context.ports.realtime.registry.ping() } }],
        upgrades: {
          paths: [settings.path],
          handle: (upgrade) => admit().handle(upgrade),
          closeAll: async () => {
            await parts.built?.closeAll();
          },
        },
        routes(app) {
          realtimeRoutes(app, {
            settings,
            authPrefix: context.config.auth.prefix,
            tickets,
            can,
            route: (c) => admit().route(c),
            sse: sseRoute({
              admission: admit,
              gateway: take,
              metrics,
              maxQueuedBytes: settings.maxQueuedBytes,
            }),
            publish: (channel, data) => take().publish(channel, data),
          });
        },
      };
    },
  };
}
