import { remoteTokensSchema } from '../../core/config/remote-tokens-schema.ts';
import type { LiftModule } from '../../core/module.ts';
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
    config: { remoteTokens: remoteTokensSchema },
    errors: [
      {
        code: 'LIFT_TOKEN_INVALID',
        status: 401,
        meaning: 'The bearer token failed verification (signature, unknown key, claims, expiry).',
      },
      {
        code: 'LIFT_JWKS_UNAVAILABLE',
        status: 503,
        meaning: "The issuer's JWKS could not be fetched and no fresh key set is held.",
      },
      {
        code: 'LIFT_INSUFFICIENT_SCOPE',
        status: 403,
        meaning: "requireScope(): the token's scope claim lacks a scope the route needs.",
      },
    ],
    build(context) {
      const remote = new RemoteTokens({
        config: context.config,
        clock: context.clock,
        log: context.log,
        events: context.events,
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
