import { LiftConfigError } from '../core/errors.ts';
import type { LiftModule } from '../core/module.ts';
import type { IssueAccessTokenInput } from './access-tokens.ts';
import { tokensConfig } from './config.ts';
import { TOKENS_ERRORS } from './error-codes.ts';
// The module's events join the one catalog (core/events.ts) wherever the module is.
import type {} from './events.ts';
import type { SigningKeyStore } from './keys/signing-key-store.ts';
import { TOKENS_METRICS, tokenMetrics } from './metrics.ts';
import { tokensMigrations } from './migrations.ts';
import type { RefreshTokenStore } from './refresh/index.ts';
import type { RevocationStore } from './revocation-store.ts';
import { registerTokenRoutes } from './routes.ts';
import { accessCookieSettings } from './token-carriers.ts';
import { Tokens } from './tokens.ts';
import { TOKENS_SEALED_COLUMNS } from './tokens-sealed-columns.ts';

/**
 * The tokens module: signing keys and JWKS, access and refresh tokens, revocation, DPoP, and the `bearer`
 * resolver of the authentication chain. It offers the `tokenIssuer` capability (identity logs in for tokens
 * through it; access switches a token's tenant through it).
 */

export interface TokensModuleOptions {
  /**
   * Extra claims for every access token (a plan, a display name …). Registered claims (`iss`, `sub`, `aud`,
   * `exp`, `iat`, `jti`, `sid`, `tid`, `amr`, `auth_time`, `cnf`) cannot be replaced.
   */
  claims?: (input: IssueAccessTokenInput) => Record<string, unknown>;
}

declare module '../core/module.ts' {
  interface LiftModules {
    tokens: Tokens;
  }
  interface LiftPorts {
    signingKeys: SigningKeyStore;
    refreshTokens: RefreshTokenStore;
    revocations: RevocationStore;
  }
}

export function tokensModule(options: TokensModuleOptions = {}): LiftModule<'tokens', Tokens> {
  return {
    name: 'tokens',
    errors: TOKENS_ERRORS,
    metrics: TOKENS_METRICS,
    config: tokensConfig,
    migrations: tokensMigrations,
    // After sessions, so the chain asks the session cookie before the bearer token.
    uses: ['sessions'],
    build(context) {
      const { config, events } = context;
      if (config.tokens.cookie.enabled && context.optionalModule('sessions') === undefined) {
        // The access cookie follows the session cookie's settings and CSRF rules, both the sessions module's.
        throw new LiftConfigError(
          'tokens.cookie.enabled needs the sessions module, which is not in the app.',
        );
      }
      // Refuse a weakened production cookie at build, not at the first login.
      accessCookieSettings(config);
      const metrics = tokenMetrics(context.metrics);
      const tokens = new Tokens({
        metrics,
        config,
        ports: context.ports,
        clock: context.clock,
        log: context.log,
        events,
        keys: context.keys,
        customClaims: options.claims,
        listening: context.listening,
      });
      return {
        face: tokens,
        offers: {
          tokenIssuer: {
            issue: async (grant, origin) => ({ ...(await tokens.issuePair(grant, origin)) }),
            dpopThumbprint: (ctx) => tokens.dpopThumbprint(ctx.raw),
            decorate: (ctx, pair) => tokens.setAccessCookie(ctx.response.headers, pair),
            revokeUser: (userId, reason, origin) => tokens.revokeUser(userId, reason, origin),
          },
        },
        authResolvers: [{ name: 'bearer', resolve: tokens.resolveBearer }],
        on: [metrics.onEvent],
        sealedColumns: TOKENS_SEALED_COLUMNS,
        start: () => tokens.start(),
        close: () => tokens.close(),
        routes(app) {
          registerTokenRoutes(app, {
            tokens,
            events,
            prefix: config.auth.prefix,
            adminPrefix: config.auth.adminPrefix,
            permit: context.capability('globalPermission'),
          });
        },
      };
    },
  };
}
