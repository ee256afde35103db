import { accessModule } from '../access/index.ts';
import type { LiftConfig } from '../core/config/schema.ts';
import type { LiftModule } from '../core/module.ts';
import { identityModule } from '../identity/index.ts';
import { sessionsModule } from '../sessions/index.ts';
import { tokensModule } from '../tokens/index.ts';
import type { LiftOptions } from './create-lift.ts';

/**
 * The modules an app has when `createLift` is not given a list: sessions, identity and access when
 * `auth.enabled`, tokens too when `tokens.enabled` — what every Lift app had before modules were a list.
 */
export function defaultModules(config: LiftConfig, options: LiftOptions = {}): LiftModule[] {
  if (!config.auth.enabled) return [];
  const modules: LiftModule[] = [
    sessionsModule(),
    identityModule(options.mailTemplates ? { mailTemplates: options.mailTemplates } : {}),
    accessModule(options.permissions ? { permissions: options.permissions } : {}),
  ];
  if (config.tokens.enabled)
    modules.push(tokensModule(options.tokenClaims ? { claims: options.tokenClaims } : {}));
  return modules;
}
