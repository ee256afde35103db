import type { ModuleContext } from '../core/module.ts';
import { Admission } from './admission.ts';
import type { ChannelPolicies } from './channels.ts';
import type { RealtimeSettings } from './config.ts';
import { checkCredential } from './credentials.ts';
import { Gateway } from './gateway.ts';
import type { RealtimeMetrics } from './metrics.ts';
import type { Tickets } from './tickets.ts';

/**
 * The gateway and the admission of one app, made on first use: building the app opens no store (the stores
 * are taken from the ports when the module starts or the first upgrade arrives).
 */
export class RealtimeParts {
  #gateway: Gateway | undefined;
  #admission: Admission | undefined;
  readonly #context: ModuleContext;
  readonly #own: {
    settings: RealtimeSettings;
    policies: ChannelPolicies;
    metrics: RealtimeMetrics;
    tickets: Tickets;
  };

  constructor(
    context: ModuleContext,
    own: {
      settings: RealtimeSettings;
      policies: ChannelPolicies;
      metrics: RealtimeMetrics;
      tickets: Tickets;
    },
  ) {
    this.#context = context;
    this.#own = own;
  }

  /** The gateway if it was made. */
  get built(): Gateway | undefined {
    return this.#gateway;
  }

  get gateway(): Gateway {
    const context = this.#context;
    const { settings, policies, metrics, tickets } = this.#own;
    this.#gateway ??= new Gateway({
      settings,
      ...context.ports.realtime,
      broker: context.ports.broker,
      events: context.events,
      policies,
      metrics,
      clock: context.clock,
      log: context.log,
      refreshCredential: (credential) =>
        checkCredential(credential, {
          tickets,
          tokens: context.optionalModule('tokens'),
          gateway: this.#gateway,
        }),
    });
    return this.#gateway;
  }

  get admission(): Admission {
    const context = this.#context;
    const { settings, metrics, tickets } = this.#own;
    this.#admission ??= new Admission({
      settings,
      gateway: this.gateway,
      tickets,
      registry: context.ports.realtime.registry,
      connectLimiter: context.module('limits').limiter({
        name: 'ws-connect',
        limit: settings.connectAttempts.limit,
        windowSeconds: settings.connectAttempts.windowSeconds,
        fail: 'closed',
      }),
      metrics,
      events: context.events,
      clock: context.clock,
      log: context.log,
      publicOrigin: publicOriginOf(context.config.auth.publicUrl),
    });
    return this.#admission;
  }
}

function publicOriginOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
