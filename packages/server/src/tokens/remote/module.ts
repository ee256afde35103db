import type { LiftModule } from '../../core/module.ts';
// Its events (token.rejected, token.jwks_failed) are in the tokens module's catalog entries.
import type {} from '../events.ts';
import { remoteTokensConfig } from './config.ts';
import { REMOTE_TOKENS_ERRORS } from './error-codes.ts';
import { REMOTE_TOKENS_METRICS, remoteTokenMetrics } from './metrics.ts';
import { RemoteTokens } from './remote-tokens.ts';

/**
 * The remoteTokens module: a resource server's side of Lift tokens. It verifies access tokens issued by another
 * Lift against that issuer's JWKS and adds them to the authentication chain as `bearer`, so `requireAuth()`,
 * `requireScope()` and `requireTenant()` work as in the issuer. It needs no other module and issues nothing;
 * an app that also has the tokens module fails at boot (two `bearer` resolvers).
 */

declare module '../../core/module.ts' {
  interface LiftModules {
    remoteTokens: RemoteTokens;
  }
}

export function remoteTokensModule(): LiftModule<'remoteTokens', RemoteTokens> {
  return {
    name: 'remoteTokens',
    // After sessions when the app has them, so a session cookie is asked first, as with local tokens.
    uses: ['sessions'],
    config: remoteTokensConfig,
    errors: REMOTE_TOKENS_ERRORS,
    metrics: REMOTE_TOKENS_METRICS,
    build(context) {
      const remote = new RemoteTokens({
        config: context.config,
        clock: context.clock,
        log: context.log,
        events: context.events,
        metrics: remoteTokenMetrics(context.metrics),
        tracer: context.tracer,
      });
      return {
        face: remote,
        authResolvers: [{ name: 'bearer', resolve: remote.resolveBearer }],
        health: [{ name: 'jwks', check: remote.health }],
        start: () => remote.start(),
        close: () => remote.close(),
      };
    },
  };
}
