import { LiftConfigError } from './errors.ts';
import type { LiftModule } from './module.ts';

/**
 * The order modules are built and started in: every module after the modules it `needs` and after the modules
 * it `uses` that are present. Ties keep the order the app listed them in, so the result is stable and a reader
 * can predict it. Fails the boot, naming every problem at once, on a duplicate name, a missing dependency or a
 * cycle.
 */
export function orderModules(modules: readonly LiftModule[]): LiftModule[] {
  const byName = new Map<string, LiftModule>();
  const problems: string[] = [];
  for (const module of modules) {
    if (byName.has(module.name)) problems.push(`module "${module.name}" is listed twice`);
    byName.set(module.name, module);
  }
  for (const module of modules) {
    for (const need of module.needs ?? []) {
      if (!byName.has(need))
        problems.push(`module "${module.name}" needs "${need}", which is not in the app`);
    }
  }
  if (problems.length > 0) throw new LiftConfigError(`The module list is not valid: ${problems.join('; ')}.`);

  const edges = (module: LiftModule): string[] =>
    [...(module.needs ?? []), ...(module.uses ?? [])].filter((name) => byName.has(name));
  const ordered: LiftModule[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (module: LiftModule, path: string[]): void => {
    const seen = state.get(module.name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = [...path.slice(path.indexOf(module.name)), module.name].join(' → ');
      throw new LiftConfigError(`The modules depend on each other in a cycle: ${cycle}.`);
    }
    state.set(module.name, 'visiting');
    for (const name of edges(module)) visit(byName.get(name)!, [...path, module.name]);
    state.set(module.name, 'done');
    ordered.push(module);
  };
  for (const module of modules) visit(module, []);
  return ordered;
}
