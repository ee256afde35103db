/**
 * The realtime module's public face. Everything else in this folder is internal (the boundary test in
 * test/architecture refuses deep imports).
 */
export type { ChannelAction, ChannelRule, NamespacePolicy, ParsedChannel } from './channels.ts';
export { REALTIME_ERRORS } from './error-codes.ts';
export type { DisconnectFilter } from './gateway.ts';
export {
  type Realtime,
  type RealtimeModuleOptions,
  type RealtimeStores,
  realtimeModule,
} from './module.ts';
export type {
  ChannelHistory,
  ChannelPresence,
  ConnectionFilter,
  ConnectionRegistry,
  StreamPosition,
} from './ports.ts';
export { CLOSE, PROTOCOL } from './protocol.ts';
