/** The public face of tokens/remote: the remoteTokens module for resource servers. */
export { type JwksFailureReason, JwksFetchError } from './jwks-fetch.ts';
export { JwksUnavailableError } from './jwks-unavailable-error.ts';
export { remoteTokensModule } from './module.ts';
export { RemoteTokens } from './remote-tokens.ts';
