import type { Logger } from 'pino';
import type { Clock } from './clock.ts';
import type { LiftConfig } from './config/schema.ts';
import { LiftConfigError } from './errors.ts';
import type { EventPublisher } from './events.ts';
import { moduleLogger } from './log-levels.ts';
import type { ModuleMetrics } from './metrics.ts';
import type {
  LiftCapabilities,
  LiftModule,
  LiftModules,
  LiftPorts,
  ModuleContext,
  ModuleInstance,
  ModuleKeys,
} from './module.ts';
import { orderModules } from './module-order.ts';
import type { ListeningAddress } from './server.ts';
import type { Tracer } from './tracing.ts';

/**
 * Runs the module contract for one app: orders the modules (core/module-order.ts), builds each once with its
 * context, gathers the capabilities they offer, then starts them in order and closes them in reverse. Knows no
 * module by name: the composition root (`app/`) hands it the list.
 */

export interface ModuleHostInput {
  modules: readonly LiftModule[];
  config: LiftConfig;
  log: Logger;
  clock: Clock;
  events: EventPublisher;
  tracer: Tracer;
  ports: LiftPorts;
  keys: ModuleKeys;
  listening: () => ListeningAddress | undefined;
  /** The metric handles of one module (the telemetry registry checks it declared them). */
  metrics: (module: string) => ModuleMetrics;
}

export interface BuiltModule {
  module: LiftModule;
  instance: ModuleInstance;
}

export class ModuleHost {
  /** The modules in build/start order, each with what its `build` returned. */
  readonly built: readonly BuiltModule[];
  readonly #byName = new Map<string, BuiltModule>();
  readonly #capabilities = new Map<string, { value: unknown; offeredBy: string }>();
  #capabilitiesReady = false;
  #started: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(input: ModuleHostInput) {
    const built: BuiltModule[] = [];
    for (const module of orderModules(input.modules)) {
      const entry = { module, instance: module.build(this.#contextFor(module, input)) };
      built.push(entry);
      this.#byName.set(module.name, entry);
    }
    this.built = built;
    this.#gatherCapabilities();
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** The public face of a module, or undefined when the app does not have it. */
  face<K extends keyof LiftModules>(name: K): LiftModules[K] | undefined {
    return this.#byName.get(name)?.instance.face as LiftModules[K] | undefined;
  }

  /** Starts every module in order, once; a module that fails to start stops the start with its name. */
  start(): Promise<void> {
    this.#started ??= (async () => {
      for (const { module, instance } of this.built) {
        try {
          await instance.start?.();
        } catch (error) {
          if (error instanceof Error && !(error instanceof LiftConfigError)) {
            error.message = `module "${module.name}" did not start: ${error.message}`;
          }
          throw error;
        }
      }
    })();
    return this.#started;
  }

  /**
   * Closes the modules in reverse order — every one of them, even when one fails to close (the first failure
   * is rethrown at the end). Safe to call twice; closes what never started too (their `close` must allow it).
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      let failure: unknown;
      for (const { instance } of [...this.built].reverse()) {
        try {
          await instance.close?.();
        } catch (error) {
          failure ??= error;
        }
      }
      if (failure !== undefined) throw failure;
    })();
    return this.#closing;
  }

  #contextFor(module: LiftModule, input: ModuleHostInput): ModuleContext {
    const declared = (name: string, list: readonly string[] | undefined, field: 'needs' | 'uses') => {
      if (!list?.includes(name)) {
        throw new LiftConfigError(
          `Module "${module.name}" asked for module "${name}" without naming it in its ${field}.`,
        );
      }
    };
    return {
      config: input.config,
      log: moduleLogger(input.log, module.name, input.config.log.modules),
      clock: input.clock,
      events: input.events,
      metrics: input.metrics(module.name),
      tracer: input.tracer,
      ports: input.ports,
      keys: input.keys,
      listening: input.listening,
      module: (name) => {
        declared(name, module.needs, 'needs');
        return this.#byName.get(name)!.instance.face as LiftModules[typeof name];
      },
      optionalModule: (name) => {
        declared(name, module.uses, 'uses');
        return this.#byName.get(name)?.instance.face as LiftModules[typeof name] | undefined;
      },
      capability: (name) => {
        if (!this.#capabilitiesReady) {
          throw new LiftConfigError(
            `Module "${module.name}" asked for the capability "${name}" while modules are still being built; ask from routes(), start() or a request.`,
          );
        }
        return this.#capabilities.get(name)?.value as LiftCapabilities[typeof name] | undefined;
      },
    };
  }

  #gatherCapabilities(): void {
    for (const { module, instance } of this.built) {
      for (const [name, value] of Object.entries(instance.offers ?? {})) {
        const earlier = this.#capabilities.get(name);
        if (earlier !== undefined) {
          throw new LiftConfigError(
            `The capability "${name}" is offered by both module "${earlier.offeredBy}" and module "${module.name}".`,
          );
        }
        this.#capabilities.set(name, { value, offeredBy: module.name });
      }
    }
    this.#capabilitiesReady = true;
  }
}
