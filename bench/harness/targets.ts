/**
 * `BENCH_TARGETS=a,b,…` limits a run to the named targets; raw node:http (`node-http`) always runs because every
 * ratio needs it.
 */
export function selectTargets<T extends { id: string }>(
  targets: readonly T[],
  defaults: readonly T['id'][],
): T[] {
  const raw = process.env.BENCH_TARGETS;
  const ids = new Set<string>(['node-http']);
  if (raw === undefined || raw.trim() === '') {
    for (const id of defaults) ids.add(id);
  } else {
    for (const name of raw.split(',').map((part) => part.trim())) {
      const target = targets.find((candidate) => candidate.id === name);
      if (target === undefined) {
        throw new Error(
          `BENCH_TARGETS: unknown target "${name}" (known: ${targets.map((t) => t.id).join(', ')})`,
        );
      }
      ids.add(target.id);
    }
  }
  return targets.filter((target) => ids.has(target.id));
}
