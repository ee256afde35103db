/**
 * The tokens module's public face: what other modules, the composition root and apps may use. Everything else
 * in this folder is internal (the boundary test in test/architecture refuses deep imports).
 */
export { type AccessTokenClaims, AccessTokens, type IssueAccessTokenInput } from './access-tokens.ts';
export { DpopError } from './dpop.ts';
export { type TokensModuleOptions, tokensModule } from './module.ts';
export {
  JwksFetchError,
  JwksUnavailableError,
  RemoteTokens,
  remoteTokensModule,
} from './remote/index.ts';
export { InsufficientScopeError, requireScope } from './require-scope.ts';
export { requireTenant, TenantMismatchError } from './require-tenant.ts';
export { allowQueryToken } from './token-carriers.ts';
export { TokenRejectedError } from './token-errors.ts';
export { InvalidGrantError, type TokenPair, TokenReusedError, Tokens } from './tokens.ts';
