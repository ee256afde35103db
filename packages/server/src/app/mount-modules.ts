import type { Authenticator } from '../core/authenticate.ts';
import { LiftConfigError } from '../core/errors.ts';
import type { EventPublisher } from '../core/events.ts';
import type { BuiltModule } from '../core/module-host.ts';
import type { RouteGroup } from '../core/routes.ts';

/**
 * Hooks every built module into the app, in module order: its authentication resolvers join the chain (a name
 * added by two modules fails the boot), its local event handlers subscribe, then its routes are mounted.
 */
export function mountModules(
  built: readonly BuiltModule[],
  app: RouteGroup,
  authenticator: Authenticator,
  events: EventPublisher,
): void {
  const resolverOwners = new Map<string, string>();
  for (const { module, instance } of built) {
    for (const { name, resolve } of instance.authResolvers ?? []) {
      const earlier = resolverOwners.get(name);
      if (earlier !== undefined) {
        throw new LiftConfigError(
          `The authentication resolver "${name}" is added by both module "${earlier}" and module "${module.name}"; keep one of them.`,
        );
      }
      resolverOwners.set(name, module.name);
      authenticator.add(name, resolve);
    }
    for (const handler of instance.on ?? []) events.onLocal(handler);
  }
  for (const { instance } of built) instance.routes?.(app);
}
