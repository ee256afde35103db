import { z } from 'zod';
import { GLOBAL } from '../access/index.ts';
import { requireAuth } from '../core/authenticate.ts';
import { BadRequestError, ForbiddenError } from '../core/errors.ts';
import type { LiftModule } from '../core/module.ts';
import type { Principal } from '../core/request-state.ts';
import { Admission } from './admission.ts';
import { ChannelPolicies, type NamespacePolicy, type PermissionCheck, parseChannel } from './channels.ts';
import { type RealtimeSettings, realtimeConfig } from './config.ts';
import { REALTIME_ERRORS } from './error-codes.ts';
// The module's events join the one catalog (core/events.ts) wherever the module is.
import type {} from './events.ts';
import { type CredentialCheck, type DisconnectFilter, Gateway } from './gateway.ts';
import { REALTIME_METRICS, realtimeMetrics } from './metrics.ts';
import type {
  ChannelHistory,
  ChannelPresence,
  ConnectionFilter,
  ConnectionRegistry,
  StreamPosition,
} from './ports.ts';
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
      let gateway: Gateway | undefined;
      const refreshCredential: CredentialCheck = async (credential) => {
        if ('ticket' in credential) {
          const principal = await tickets.consume(credential.ticket);
          return principal === null || gateway?.wasRevoked(principal) ? null : principal;
        }
        const tokens = context.optionalModule('tokens');
        if (tokens === undefined) return null;
        const claims = await tokens.introspect(credential.token);
        return claims.active === true && claims.token_type === 'Bearer' ? principalOfClaims(claims) : null;
      };
      // Stores are taken on start: building the app opens nothing.
      const take = (): Gateway => {
        gateway ??= new Gateway({
          settings,
          registry: context.ports.realtime.registry,
          history: context.ports.realtime.history,
          presence: context.ports.realtime.presence,
          broker: context.ports.broker,
          events: context.events,
          policies,
          metrics,
          clock: context.clock,
          log: context.log,
          refreshCredential,
        });
        return gateway;
      };
      const connectLimiter = context.module('limits').limiter({
        name: 'ws-connect',
        limit: settings.connectAttempts.limit,
        windowSeconds: settings.connectAttempts.windowSeconds,
        fail: 'closed',
      });
      let admission: Admission | undefined;
      const admit = (): Admission => {
        admission ??= new Admission({
          settings,
          gateway: take(),
          tickets,
          registry: context.ports.realtime.registry,
          connectLimiter,
          metrics,
          events: context.events,
          clock: context.clock,
          log: context.log,
          publicOrigin: publicOriginOf(context.config.auth.publicUrl),
        });
        return admission;
      };

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
          return gateway?.size ?? 0;
        },
      };

      return {
        face,
        start: () => take().start(),
        close: async () => {
          await gateway?.close();
          const stores = gateway === undefined ? undefined : context.ports.realtime;
          await Promise.all([stores?.registry.close(), stores?.history.close(), stores?.presence.close()]);
        },
        health: [{ name: 'realtime', check: { ping: () => context.ports.realtime.registry.ping() } }],
        upgrades: {
          paths: [settings.path],
          handle: (upgrade) => admit().handle(upgrade),
          closeAll: async () => {
            await gateway?.closeAll();
          },
        },
        routes(app) {
          app.get(settings.path, {
            summary: 'The WebSocket endpoint (subprotocol lift.v1; docs/realtime-protocol.md).',
            handler: (ctx) => admit().route(ctx.raw),
          });
          const authed = app.group(context.config.auth.prefix, requireAuth());
          authed.post('/ws-ticket', {
            summary: 'A one-time ticket to open a WebSocket with (?ticket=), valid for realtime.ticketTtlMs.',
            output: z.object({ ticket: z.string(), expires_in: z.number() }),
            handler: async (ctx) => ({
              ticket: await tickets.issue(ctx.principal!),
              expires_in: Math.round(settings.ticketTtlMs / 1000),
            }),
          });
          app.group('/realtime', requireAuth()).post('/publish', {
            summary: 'Publishes to a channel (needs realtime:publish in the channel’s tenant, or globally).',
            input: { body: z.object({ channel: z.string().min(3).max(300), data: z.unknown() }) },
            output: z.object({ offset: z.number(), epoch: z.string() }),
            handler: async (ctx, { body }) => {
              const channel = parseChannel(body.channel);
              if (channel === undefined) {
                throw new BadRequestError(`"${body.channel}" is not a channel name (namespace:name).`);
              }
              const principal = ctx.principal!;
              if (
                can === undefined ||
                !can(principal, 'realtime:publish', channel.tenantId ?? principal.tenantId ?? null)
              ) {
                throw new ForbiddenError(`Publishing to ${body.channel} needs realtime:publish.`);
              }
              return take().publish(body.channel, body.data ?? null);
            },
          });
        },
      };
    },
  };
}

function publicOriginOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function principalOfClaims(claims: Record<string, unknown>): Principal {
  const sub = String(claims.sub);
  const principal: Principal = {
    type: 'user',
    id: sub,
    userId: sub,
    sessionId: typeof claims.sid === 'string' ? claims.sid : null,
    authMethod: 'bearer',
    amr: Array.isArray(claims.amr) ? (claims.amr as string[]) : [],
    authTime: typeof claims.auth_time === 'number' ? claims.auth_time * 1000 : Number(claims.iat) * 1000,
    fresh: false,
    expiresAt: Number(claims.exp) * 1000,
  };
  if (typeof claims.tid === 'string') principal.tenantId = claims.tid;
  if (typeof claims.jti === 'string') principal.credentialId = claims.jti;
  return principal;
}
