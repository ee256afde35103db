import type { ChannelPolicies } from './channels.ts';
import type { RealtimeSettings } from './config.ts';
import type { RealtimeConnection } from './connection.ts';
import type { GatewayOptions } from './gateway.ts';
import type { ChannelHub } from './hub.ts';
import type { StreamPosition } from './ports.ts';
import type { ClientMessage } from './protocol.ts';

/** What the message handlers use of the gateway. */
export interface GatewayParts {
  hub: ChannelHub;
  send(connection: RealtimeConnection, frame: string, type: string): boolean;
  publish(channel: string, data: unknown): Promise<StreamPosition>;
  historyOf(channel: string): RealtimeSettings['history'] | undefined;
  expiresIn(connection: RealtimeConnection): number | undefined;
}

/**
 * The client's requests on an open connection (`lift.v1`): subscribe (with recovery from a position),
 * unsubscribe, publish, presence, ping and an in-band credential refresh. Every request gets a `reply` or an
 * `error` with its `id`; a refusal never closes the connection.
 */
export class ChannelRequests {
  readonly #o: GatewayOptions;
  readonly #g: GatewayParts;
  readonly #policies: ChannelPolicies;

  constructor(options: GatewayOptions, parts: GatewayParts) {
    this.#o = options;
    this.#g = parts;
    this.#policies = options.policies;
  }

  #reply(connection: RealtimeConnection, id: number, result: Record<string, unknown> = {}): void {
    this.#g.send(connection, JSON.stringify({ type: 'reply', id, ...result }), 'reply');
  }

  #error(connection: RealtimeConnection, id: number, code: string, message: string): void {
    this.#g.send(connection, JSON.stringify({ type: 'error', id, code, message }), 'error');
  }

  async handle(connection: RealtimeConnection, message: ClientMessage): Promise<void> {
    const policies = this.#policies;
    switch (message.type) {
      case 'ping':
        this.#g.send(connection, `{"type":"pong","id":${message.id}}`, 'pong');
        return;
      case 'subscribe': {
        const refusal = policies.check(connection.principal, message.channel, 'subscribe');
        if (refusal !== undefined) {
          this.#o.metrics.subscriptions.add({ outcome: refusal });
          this.#error(connection, message.id, refusal, refusalText(refusal, message.channel));
          return;
        }
        if (connection.channels.has(message.channel)) {
          this.#error(
            connection,
            message.id,
            'already_subscribed',
            `Already subscribed to ${message.channel}.`,
          );
          return;
        }
        await this.subscribe(connection, message);
        return;
      }
      case 'unsubscribe':
        if (!connection.channels.delete(message.channel)) {
          this.#error(connection, message.id, 'not_subscribed', `Not subscribed to ${message.channel}.`);
          return;
        }
        this.#g.hub.unlisten(message.channel, connection);
        this.leavePresence(connection, message.channel);
        this.#reply(connection, message.id);
        return;
      case 'publish': {
        const refusal = policies.check(connection.principal, message.channel, 'publish');
        if (refusal !== undefined) {
          this.#error(connection, message.id, refusal, refusalText(refusal, message.channel));
          return;
        }
        const position = await this.#g.publish(message.channel, message.data);
        this.#reply(connection, message.id, { offset: position.offset, epoch: position.epoch });
        return;
      }
      case 'presence': {
        const refusal = policies.check(connection.principal, message.channel, 'presence');
        if (refusal !== undefined) {
          this.#error(connection, message.id, refusal, refusalText(refusal, message.channel));
          return;
        }
        const members = await this.#o.presence.members(message.channel);
        this.#reply(connection, message.id, {
          members: members.map((member) => ({
            user_id: member.userId,
            connections: member.connections,
            ...(member.info === undefined ? {} : { info: member.info }),
          })),
        });
        return;
      }
      case 'refresh': {
        const credential =
          message.token !== undefined ? { token: message.token } : { ticket: message.ticket! };
        const principal = await this.#o.refreshCredential(credential, connection.clientIp);
        if (principal === null || (principal.userId ?? principal.id) !== connection.userId) {
          this.#error(connection, message.id, 'refresh_failed', 'The credential is not valid for this user.');
          return;
        }
        connection.principal = principal;
        connection.warned = false;
        const expiresIn = this.#g.expiresIn(connection);
        this.#reply(connection, message.id, expiresIn === undefined ? {} : { expires_in: expiresIn });
      }
    }
  }

  private async subscribe(
    connection: RealtimeConnection,
    message: Extract<ClientMessage, { type: 'subscribe' }>,
  ): Promise<void> {
    const { channel, since } = message;
    const history = this.#g.historyOf(channel);
    connection.channels.add(channel);
    // Live publications wait while the missed ones are read, so none is lost or sent twice between the two.
    if (since !== undefined) {
      connection.recovering ??= new Map();
      connection.recovering.set(channel, []);
    }
    try {
      await this.#g.hub.listen(channel, connection);
      this.#o.metrics.subscriptions.add({ outcome: 'allowed' });
      let sentUpTo = Number.NEGATIVE_INFINITY;
      if (history === undefined) {
        this.#reply(connection, message.id, since === undefined ? {} : { recovered: false });
      } else if (since === undefined) {
        const position = await this.#o.history.position(channel);
        this.#reply(connection, message.id, { offset: position.offset, epoch: position.epoch });
      } else {
        sentUpTo = await this.recover(connection, message.id, channel, since);
      }
      this.#flushWaiting(connection, channel, sentUpTo);
      // An unsubscribe that arrived while this one was waiting wins: no presence for a channel left.
      if (connection.channels.has(channel)) this.joinPresence(connection, channel);
    } catch (error) {
      connection.channels.delete(channel);
      connection.recovering?.delete(channel);
      this.#g.hub.unlisten(channel, connection);
      throw error;
    }
  }

  /**
   * Sends what was missed since `since`; returns the offset the client is now up to, in the stream's current
   * epoch: the last one sent, or — when the missed ones cannot all be sent (`recovered: false`) — the stream's
   * position, since a client told of a gap reloads its state and needs only what comes after.
   */
  private async recover(
    connection: RealtimeConnection,
    id: number,
    channel: string,
    since: StreamPosition,
  ): Promise<number> {
    const { history, settings, metrics } = this.#o;
    const missed = await history.since(channel, since, settings.history.maxRecover);
    metrics.recoveries.add({ outcome: missed.recovered ? 'recovered' : 'gap' });
    this.#reply(connection, id, {
      offset: missed.position.offset,
      epoch: missed.position.epoch,
      recovered: missed.recovered,
    });
    if (!missed.recovered) return missed.position.offset;
    let last = since.offset;
    for (const publication of missed.publications) {
      const frame = `{"type":"publication","channel":${JSON.stringify(channel)},"offset":${publication.offset},"epoch":${JSON.stringify(missed.position.epoch)},"data":${publication.data}}`;
      this.#g.send(connection, frame, 'publication');
      last = publication.offset;
    }
    return last;
  }

  /** Ends the wait of a recovering subscription: live frames newer than `sentUpTo` go out, in order. */
  #flushWaiting(connection: RealtimeConnection, channel: string, sentUpTo: number): void {
    const waiting = connection.recovering?.get(channel);
    if (waiting === undefined) return;
    connection.recovering!.delete(channel);
    if (connection.recovering!.size === 0) connection.recovering = undefined;
    for (const { offset, frame } of waiting) {
      if (offset === -1 || offset > sentUpTo) {
        this.#g.send(connection, frame, offset === -1 ? 'presence' : 'publication');
      }
    }
  }

  joinPresence(connection: RealtimeConnection, channel: string): void {
    const { presence, settings, log } = this.#o;
    presence
      .join(channel, { connectionId: connection.id, userId: connection.userId }, settings.registryTtlMs)
      .then(() => this.#announce(connection, channel, 'join'))
      .catch((error: unknown) => log.warn({ err: error, channel }, 'realtime: presence join failed'));
  }

  leavePresence(connection: RealtimeConnection, channel: string): void {
    const { presence, log } = this.#o;
    presence
      .leave(channel, connection.id)
      .then(() => this.#announce(connection, channel, 'leave'))
      .catch((error: unknown) => log.warn({ err: error, channel }, 'realtime: presence leave failed'));
  }

  /** A join or leave frame to the channel's subscribers, where the namespace asks for them. */
  async #announce(connection: RealtimeConnection, channel: string, kind: 'join' | 'leave'): Promise<void> {
    if (!this.#policies.announcesJoinLeave(channel)) return;
    const frame = JSON.stringify({ type: kind, channel, user_id: connection.userId });
    await this.#g.hub.announce(channel, kind, frame);
  }
}

function refusalText(refusal: string, channel: string): string {
  switch (refusal) {
    case 'bad_channel':
      return `"${channel}" is not a channel name (namespace:name).`;
    case 'unknown_namespace':
      return `The namespace of "${channel}" is not configured.`;
    default:
      return `Not allowed on ${channel}.`;
  }
}
