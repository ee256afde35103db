import { randomUUID } from 'node:crypto';
import type { Context as HonoContext } from 'hono';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import { LiftError } from '../core/errors.ts';
import type { EventPublisher } from '../core/events.ts';
import type { UpgradeRequest } from '../core/module.ts';
import { requestHeader } from '../core/request-headers.ts';
import { requestScope } from '../core/request-scope.ts';
import type { Principal } from '../core/request-state.ts';
import { refuseUpgrade } from '../core/upgrades.ts';
import { ipSubject, type PolicyLimiter } from '../limits/index.ts';
import type { RealtimeSettings } from './config.ts';
import type { ConnectVia } from './connection.ts';
import {
  RealtimeConnectionLimitError,
  RealtimeOriginRefusedError,
  RealtimeUnauthenticatedError,
  RealtimeUnavailableError,
  UpgradeRequiredError,
} from './error-codes.ts';
import type { Gateway } from './gateway.ts';
import type { RealtimeMetrics } from './metrics.ts';
import { originAllowed } from './origins.ts';
import type { ConnectionRegistry } from './ports.ts';
import type { Tickets } from './tickets.ts';

/**
 * Admission of a WebSocket: every check runs on the HTTP upgrade request, through the app's whole pipeline
 * (request id, client IP, access log, authentication chain), **before** a socket exists. A refusal is a plain
 * HTTP answer (401/403/429/503 problem+json with a `reason`); only an admitted request is upgraded.
 *
 * Order: attempts per client address (the limits module) → credential (ticket, else the authentication chain:
 * session cookie, bearer token — from `Authorization`, the `lift.bearer.<token>` subprotocol, or `access_token`
 * when allowed) → Origin (for cookie and ticket credentials) → the user's connection count (the registry,
 * atomic across nodes).
 */

/** The upgrade in progress, handed to the `/ws` route through the request's env. */
const PENDING = Symbol('lift.realtime.upgrade');

interface PendingUpgrade {
  upgrade: UpgradeRequest;
  accepted: boolean;
}

export interface AdmissionDeps {
  settings: RealtimeSettings;
  gateway: Gateway;
  tickets: Tickets;
  registry: ConnectionRegistry;
  connectLimiter: PolicyLimiter;
  metrics: RealtimeMetrics;
  events: EventPublisher;
  clock: Clock;
  log: Logger;
  /** The app's own origin for Origin checks (`auth.publicUrl`), besides the request's Host. */
  publicOrigin: string | undefined;
}

const BEARER_PROTOCOL = 'lift.bearer.';

/** A connection that passed every check, its registry slot reserved under `connectionId`. */
export interface Admitted {
  connectionId: string;
  principal: Principal;
  via: ConnectVia;
  clientIp: string;
}
const WEBSOCKET_KEY = /^[+/0-9A-Za-z]{22}==$/;

export class Admission {
  readonly #d: AdmissionDeps;

  constructor(deps: AdmissionDeps) {
    this.#d = deps;
  }

  /** The server's `upgrade` event for `realtime.path`: runs the request through the app, then upgrades or answers. */
  handle(upgrade: UpgradeRequest): void {
    const { request, socket } = upgrade;
    // A client that resets during the checks must not crash the process. A function of the module's, not a
    // closure: a closure here would share this call's scope, and keep the request, its headers and `pending`
    // alive for as long as the socket lives (~1.5 KB per open connection).
    socket.on('error', destroySocket);
    if (!isWebSocketHandshake(upgrade)) {
      refuseUpgrade(socket, 400, {
        type: 'about:blank',
        title: 'Bad request',
        status: 400,
        code: 'LIFT_VALIDATION_FAILED',
        detail:
          'Not a WebSocket handshake (Upgrade: websocket, Sec-WebSocket-Version: 13, a Sec-WebSocket-Key).',
      });
      return;
    }
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? 'localhost'}`);
    const headers = new Headers();
    for (let i = 0; i < request.rawHeaders.length; i += 2) {
      const name = request.rawHeaders[i]!;
      if (name.toLowerCase() === 'sec-websocket-protocol') continue;
      headers.append(name, request.rawHeaders[i + 1]!);
    }
    // The bearer token travels in a subprotocol entry (browsers cannot set headers on a WebSocket); it becomes
    // the Authorization header the bearer resolver reads, and is never echoed back or logged.
    const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((entry) => entry.trim());
    const bearer = offered.find((entry) => entry.startsWith(BEARER_PROTOCOL));
    if (bearer !== undefined) headers.set('authorization', `Bearer ${bearer.slice(BEARER_PROTOCOL.length)}`);
    const queryToken = url.searchParams.get('access_token');
    if (queryToken !== null && this.#d.settings.allowQueryToken) {
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${queryToken}`);
      url.searchParams.delete('access_token');
    } else if (queryToken !== null) {
      // Kept as a flag only: the token itself must not reach the access log.
      url.searchParams.set('access_token', 'redacted');
    }
    const pending: PendingUpgrade = { upgrade, accepted: false };
    const env = { remoteAddress: request.socket.remoteAddress, [PENDING]: pending };
    Promise.resolve(upgrade.fetch(new Request(url, { method: 'GET', headers }), env))
      .then(async (response) => {
        if (pending.accepted) return;
        await writeResponse(socket, response);
      })
      .catch((error: unknown) => {
        this.#d.log.error({ err: error }, 'realtime: an upgrade failed');
        socket.destroy();
      });
  }

  /** The `GET /ws` route: admits the upgrade or throws the refusal the pipeline renders. */
  route(c: HonoContext): Promise<Response> {
    const pending = (c.env as Record<symbol, PendingUpgrade | undefined> | undefined)?.[PENDING];
    if (pending === undefined) throw new UpgradeRequiredError();
    return this.decide(c, (admitted) => {
      pending.accepted = true;
      this.#d.gateway.accept(pending.upgrade, admitted);
      requestScope(c).sentStatus = 101;
      return new Response(null, { status: 204 });
    });
  }

  /**
   * Runs every check for a connection of this request (WebSocket or SSE) and hands the admitted one to
   * `open`; counts and reports the decision either way, and rethrows a refusal for the pipeline to render.
   */
  async decide(
    c: HonoContext,
    open: (admitted: Admitted) => Response | Promise<Response>,
  ): Promise<Response> {
    const { metrics, events } = this.#d;
    const started = performance.now();
    const clientIp = c.get('clientIp') ?? 'unknown';
    const origin = {
      ip: clientIp,
      userAgent: requestHeader(c, 'user-agent') ?? null,
      requestId: c.get('requestId') ?? null,
    };
    try {
      const admitted = await this.#admit(c, clientIp);
      const response = await open(admitted);
      metrics.connections.add({ status: 'accepted' });
      // No event per accepted connection: every event is a durable outbox row, and a connection is the
      // consequence of a decision already recorded (the login); the access line (101, principal) records it.
      return response;
    } catch (error) {
      const reason = reasonOf(error);
      metrics.connections.add({ status: 'refused' });
      metrics.authFailures.add({ reason });
      events.emit('realtime.refused', { actor: null, ...origin, reason });
      throw error;
    } finally {
      metrics.authLatency.observe((performance.now() - started) / 1000);
    }
  }

  async #admit(c: HonoContext, clientIp: string): Promise<Admitted> {
    const { settings, registry, connectLimiter } = this.#d;
    const verdict = await connectLimiter.check(ipSubject(clientIp));
    if (!verdict.allowed) throw verdict.error;

    const { principal, via } = await this.#credential(c);
    if (via !== 'bearer') {
      const origin = requestHeader(c, 'origin');
      const own = [new URL(c.req.url).origin, ...(this.#d.publicOrigin ? [this.#d.publicOrigin] : [])];
      if (origin === undefined) {
        throw new RealtimeOriginRefusedError(
          'origin_missing',
          'A cookie or ticket connection must come from a page: it needs an Origin header.',
        );
      }
      if (!own.includes(origin) && !originAllowed(origin, settings.allowedOrigins)) {
        throw new RealtimeOriginRefusedError(
          'origin_not_allowed',
          `Origin ${origin} is not allowed (realtime.allowedOrigins).`,
        );
      }
    }
    const connectionId = randomUUID();
    let admitted: boolean;
    try {
      admitted = await registry.admit(
        { id: connectionId, userId: principal.userId ?? principal.id, tenantId: principal.tenantId ?? null },
        settings.maxConnectionsPerUser,
        settings.registryTtlMs,
      );
    } catch (error) {
      throw new RealtimeUnavailableError(error);
    }
    if (!admitted) {
      throw new RealtimeConnectionLimitError(settings.maxConnectionsPerUser);
    }
    return { connectionId, principal, via, clientIp };
  }

  async #credential(c: HonoContext): Promise<{ principal: Principal; via: ConnectVia }> {
    const query = new URL(c.req.url).searchParams;
    const queryToken = query.get('access_token');
    if (queryToken !== null && (queryToken === 'redacted' || !this.#d.settings.allowQueryToken)) {
      throw unauthenticated(
        'query_token_not_allowed',
        'Tokens in the URL are off (realtime.allowQueryToken).',
      );
    }
    const ticket = query.get('ticket');
    if (ticket !== null) {
      const principal = await this.#d.tickets.consume(ticket);
      if (principal === null)
        throw unauthenticated('ticket_invalid', 'The ticket is unknown, used or expired.');
      if (this.#d.gateway.wasRevoked(principal)) {
        throw unauthenticated(
          'ticket_revoked',
          'The session or token that asked for this ticket was revoked.',
        );
      }
      return { principal, via: 'ticket' };
    }
    const authenticator = requestScope(c).authenticator;
    let principal: Principal | null = null;
    try {
      principal = authenticator === undefined ? null : await authenticator.authenticate(c);
    } catch (error) {
      const reason = (error as { reason?: unknown }).reason;
      if (error instanceof LiftError && error.status === 401 && typeof reason === 'string') {
        throw unauthenticated(
          `token_${tokenRefusal(error, reason, c)}`,
          error.detail ?? 'The token is not valid.',
        );
      }
      throw error;
    }
    if (principal === null) {
      if (requestHeader(c, 'authorization') !== undefined) {
        throw unauthenticated('token_invalid', 'The bearer token is not valid.');
      }
      if (/(?:^|;\s*)(?:__Host-)?lift_session=/.test(requestHeader(c, 'cookie') ?? '')) {
        throw unauthenticated('session_invalid', 'The session is unknown, expired or revoked.');
      }
      throw unauthenticated(
        'missing_credentials',
        'Connect with a session cookie, a ticket (?ticket=), or a bearer token (subprotocol lift.bearer.<token>).',
      );
    }
    return { principal, via: principal.authMethod === 'session' ? 'session' : 'bearer' };
  }
}

/** Lift's refresh tokens: 32 random bytes, base64url — never a JWT, which has two dots. */
const REFRESH_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The bearer resolver's reason, made finer where a client needs to tell cases apart: a refresh token sent as
 * an access token (else `malformed`), one access token revoked on its own (`blacklisted`: a denylist entry)
 * against its login's (`revoked`) or every token of its user (`user_revoked`: disabled, deleted, password
 * changed).
 */
function tokenRefusal(error: LiftError, reason: string, c: HonoContext): string {
  const revokedBy = (error as { revokedBy?: string }).revokedBy;
  if (revokedBy === 'jti') return 'blacklisted';
  if (revokedBy === 'user') return 'user_revoked';
  const bearer = (requestHeader(c, 'authorization') ?? '').replace(/^Bearer\s+/i, '');
  if (reason === 'malformed' && REFRESH_TOKEN_SHAPE.test(bearer)) return 'refresh_token';
  return reason;
}

function unauthenticated(reason: string, detail: string): RealtimeUnauthenticatedError {
  return new RealtimeUnauthenticatedError(reason, detail);
}

function reasonOf(error: unknown): string {
  if (error instanceof LiftError) {
    const reason = (error as { reason?: unknown }).reason;
    if (typeof reason === 'string') return reason;
    if (error.code === 'LIFT_RATE_LIMITED') return 'ip_rate_limited';
    return error.code.toLowerCase().replace(/^lift_/, '');
  }
  return 'error';
}

function destroySocket(this: UpgradeRequest['socket']): void {
  this.destroy();
}

function isWebSocketHandshake({ request }: UpgradeRequest): boolean {
  const headers = request.headers;
  return (
    request.method === 'GET' &&
    headers.upgrade?.toLowerCase() === 'websocket' &&
    headers['sec-websocket-version'] === '13' &&
    WEBSOCKET_KEY.test(headers['sec-websocket-key'] ?? '')
  );
}

/** Writes a refusal the pipeline rendered onto the raw socket, as HTTP/1.1, and ends it. */
async function writeResponse(socket: UpgradeRequest['socket'], response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  let head = `HTTP/1.1 ${response.status} ${response.statusText || 'Refused'}\r\n`;
  response.headers.forEach((value, name) => {
    if (name === 'content-length' || name === 'connection' || name === 'transfer-encoding') return;
    head += `${name}: ${value}\r\n`;
  });
  head += `content-length: ${body.length}\r\nconnection: close\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head), body]));
}
