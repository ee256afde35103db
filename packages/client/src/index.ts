/**
 * @lift/client — the public API. Everything not exported here is internal.
 */

export { LiftClientError } from './client-error.ts';
export type { Clock } from './clock.ts';
export { DpopKey, type DpopProofRequest, type DpopPublicJwk } from './dpop-key.ts';
export {
  type Credentials,
  createLiftClient,
  LiftClient,
  type LiftClientOptions,
  type LoginResult,
  type MfaFactor,
} from './lift-client.ts';
export {
  CLOSE,
  type ClientErrorCode,
  createRealtimeClient,
  type Gap,
  type HeartbeatOptions,
  PROTOCOL,
  type PresenceChange,
  type PresenceMember,
  type Publication,
  RealtimeClient,
  type RealtimeClientOptions,
  type RealtimeCredential,
  RealtimeError,
  type RealtimeErrorCode,
  type RealtimeEventName,
  type RealtimeEvents,
  type RealtimeSocket,
  type RealtimeSocketConstructor,
  type RealtimeState,
  type ReconnectOptions,
  type ReplyErrorCode,
  type Revoked,
  type StateChange,
  type StreamPosition,
  type Subscription,
} from './realtime/index.ts';
export {
  DEFAULT_SIGNED_COMPONENTS,
  type RequestSigningKey,
  type SignatureAlgorithm,
  type SignRequestOptions,
  signRequest,
} from './sign-request.ts';
export type { TokenStorage, Tokens } from './tokens.ts';
