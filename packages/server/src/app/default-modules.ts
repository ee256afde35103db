import { accessModule } from '../access/index.ts';
import type { LiftConfig } from '../core/config/schema.ts';
import type { LiftModule } from '../core/module.ts';
import { identityModule } from '../identity/index.ts';
import { limitsModule } from '../limits/index.ts';
import { realtimeModule } from '../realtime/index.ts';
import { sessionsModule } from '../sessions/index.ts';
import { signingModule } from '../signing/index.ts';
import { remoteTokensModule, tokensModule } from '../tokens/index.ts';
import type { LiftOptions } from './create-lift.ts';

/**
 * Every module Lift ships, configured by `options`: the module list whose config sections an app without its
 * own list may set (and that docs/configuration.md and `lift config print` describe).
 */
export function liftModules(options: LiftOptions = {}): LiftModule[] {
  return [
    sessionsModule(),
    limitsModule(),
    identityModule(options.mailTemplates ? { mailTemplates: options.mailTemplates } : {}),
    accessModule({
      ...(options.permissions ? { permissions: options.permissions } : {}),
      ...(options.mailTemplates ? { mailTemplates: options.mailTemplates } : {}),
    }),
    tokensModule(options.tokenClaims ? { claims: options.tokenClaims } : {}),
  ];
}

/**
 * Every module Lift ships: the defaults and the ones an app opts into (`remoteTokens`, for a resource server;
 * `signing`, for routes that require HTTP message signatures; `realtime`, the WebSocket gateway).
 * The configuration doc lists their sections, and the `lift` command reads the config with them.
 */
export function shippedModules(options: LiftOptions = {}): LiftModule[] {
  return [...liftModules(options), remoteTokensModule(), signingModule(), realtimeModule()];
}

/**
 * The modules an app has when `createLift` is not given a list: sessions, identity and access when
 * `auth.enabled`, tokens too when `tokens.enabled` — what every Lift app had before modules were a list. The
 * config is parsed with every module's sections first (`liftModules`), since these switches live in them.
 */
export function defaultModules(config: LiftConfig, options: LiftOptions = {}): LiftModule[] {
  if (!config.auth.enabled) return [];
  return liftModules(options).filter((module) => module.name !== 'tokens' || config.tokens.enabled);
}
