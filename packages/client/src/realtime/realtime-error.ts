/** Why the server refused a request (the `code` of a `lift.v1` error reply; the connection stays open). */
export type ReplyErrorCode =
  | 'bad_request'
  | 'bad_channel'
  | 'unknown_namespace'
  | 'forbidden'
  | 'already_subscribed'
  | 'not_subscribed'
  | 'refresh_failed'
  | 'unavailable';

/** What the client itself reports. */
export type ClientErrorCode =
  /** `publish` while offline with `maxQueued` publications already waiting. */
  | 'queue_full'
  /** `presence` or `ping` while not connected. */
  | 'not_connected'
  /** The connection ended before the reply came; a publication may or may not have been delivered. */
  | 'connection_lost'
  /** The client was closed (by `close()`, a revocation or the server's 4100+ close). */
  | 'closed'
  /** `getToken` or `getTicket` threw. */
  | 'credential_failed'
  /** The WebSocket could not be created (a malformed token, a URL the runtime refuses). */
  | 'socket_failed'
  /** The server ended the connection and asked the client not to reconnect on its own (4100+). */
  | 'disconnected';

export type RealtimeErrorCode = ReplyErrorCode | ClientErrorCode;

/**
 * A realtime failure with a stable `code`: one of `RealtimeErrorCode`, or a reply code a newer server added.
 * `channel` names the channel of a refused subscribe, publish or presence; `closeCode` the WebSocket close code
 * of a `disconnected`.
 */
export class RealtimeError extends Error {
  override readonly name = 'RealtimeError';
  readonly code: RealtimeErrorCode | (string & {});
  readonly channel: string | undefined;
  readonly closeCode: number | undefined;

  constructor(
    code: RealtimeErrorCode | (string & {}),
    message: string,
    details: { channel?: string; closeCode?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.channel = details.channel;
    this.closeCode = details.closeCode;
  }
}
