import type { LiftModule } from '../core/module.ts';
import { createMailTemplates, type MailTemplates, type MailTransport } from '../mail/index.ts';
import { registerAdminUserRoutes } from './admin-routes.ts';
import { identityConfig } from './config.ts';
import type { EmailTokenStore } from './email-tokens/index.ts';
import { IDENTITY_ERRORS } from './error-codes.ts';
// The module's events join the one catalog (core/events.ts) wherever the module is.
import type {} from './events.ts';
import { Identity, type SystemRoleDirectory } from './identity.ts';
import type { TokenIssuerCapability } from './identity-deps.ts';
import { IDENTITY_METRICS, identityMetrics } from './metrics.ts';
import { MFA_SEALED_COLUMN } from './mfa/index.ts';
import type { MfaFactorStore } from './mfa/mfa-factor-store.ts';
import { identityMigrations } from './migrations.ts';
import { registerIdentityRoutes } from './routes.ts';
import type { UserStore } from './users/index.ts';

/**
 * The identity module: users, passwords, lockout, MFA, mailed links and their routes (`/auth/*`,
 * `/admin/api/users*`). It needs the sessions module; it asks other modules for two capabilities it declares
 * here — `tokenIssuer` (login for tokens) and `systemRoles` (making a user an admin) — and works without them.
 */

export interface IdentityModuleOptions {
  /** Replacements for any of the mails Lift sends (verification, reset, lockout …). */
  mailTemplates?: Partial<MailTemplates>;
}

declare module '../core/module.ts' {
  interface LiftModules {
    identity: Identity;
  }
  interface LiftPorts {
    users: UserStore;
    emailTokens: EmailTokenStore;
    mfaFactors: MfaFactorStore;
    /** Where Lift's mails go (`mail.url`: file, SMTP or memory). */
    mail: MailTransport;
  }
  interface LiftCapabilities {
    tokenIssuer: TokenIssuerCapability;
    systemRoles: SystemRoleDirectory;
  }
}

export function identityModule(options: IdentityModuleOptions = {}): LiftModule<'identity', Identity> {
  return {
    name: 'identity',
    errors: IDENTITY_ERRORS,
    metrics: IDENTITY_METRICS,
    config: identityConfig,
    migrations: identityMigrations,
    needs: ['sessions', 'limits'],
    uses: ['tokens'],
    build(context) {
      const { config } = context;
      const metrics = identityMetrics(context.metrics);
      const identity = new Identity({
        metrics,
        config,
        ports: context.ports,
        sessions: context.module('sessions'),
        limits: context.module('limits'),
        clock: context.clock,
        log: context.log,
        keys: context.keys,
        templates: createMailTemplates(options.mailTemplates),
        events: context.events,
        tracer: context.tracer,
        systemRoles: () => context.capability('systemRoles'),
        tokenIssuer: () => context.capability('tokenIssuer'),
      });
      return {
        face: identity,
        on: [metrics.onEvent],
        sealedColumns: [MFA_SEALED_COLUMN],
        start: () => identity.start(),
        close: () => identity.close(),
        routes(app) {
          registerIdentityRoutes(app, () => identity, config.auth.prefix);
          const permit = context.capability('globalPermission');
          if (permit) registerAdminUserRoutes(app, () => identity, config.auth.adminPrefix, permit);
        },
      };
    },
  };
}
