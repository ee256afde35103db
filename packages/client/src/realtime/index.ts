/** The realtime client's public face; everything else in this folder is internal. */
export type {
  Gap,
  PresenceChange,
  Publication,
  RealtimeEventName,
  RealtimeEvents,
  RealtimeState,
  Revoked,
  StateChange,
} from './events.ts';
export type {
  HeartbeatOptions,
  RealtimeClientOptions,
  RealtimeCredential,
  ReconnectOptions,
} from './options.ts';
export { CLOSE, PROTOCOL, type StreamPosition } from './protocol.ts';
export { createRealtimeClient, type PresenceMember, RealtimeClient } from './realtime-client.ts';
export {
  type ClientErrorCode,
  RealtimeError,
  type RealtimeErrorCode,
  type ReplyErrorCode,
} from './realtime-error.ts';
export type { RealtimeSocket, RealtimeSocketConstructor } from './socket.ts';
export type { Subscription } from './subscription.ts';
