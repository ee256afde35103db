import { findCycles } from './find-cycles.ts';
import { type ImportEdge, type ImportGraph, TYPE_ONLY_KINDS } from './import-graph.ts';
import { allowanceFor, type BoundaryPolicy, type PendingImport } from './policy.ts';

export type BoundaryRule =
  | 'module-internals'
  | 'kernel-imports-module'
  | 'root-only-kernel-file'
  | 'adapter-package'
  | 'module-cycle'
  | 'file-cycle'
  | 'stale-pending'
  | 'app-reaches-into-lift';

export interface BoundaryViolation {
  rule: BoundaryRule;
  /** One line a reader can act on: where, what, and which rule. */
  message: string;
}

/** The entry point's pseudo-module: files directly under `src/` (the package's `index.ts`). */
export const ENTRY = '(entry)';

/** Every violation of `policy` in `graph`; empty when the tree keeps its boundaries. */
export function checkBoundaries(graph: ImportGraph, policy: BoundaryPolicy): BoundaryViolation[] {
  const pendingUsed = new Set<PendingImport>();
  const edges = graph.edges.filter((edge) => {
    const pending = policy.pending.find((entry) => entry.from === edge.from && entry.to === edge.to);
    if (pending) pendingUsed.add(pending);
    return pending === undefined;
  });
  const violations = edges.flatMap((edge) => edgeViolations(edge, policy));
  violations.push(...moduleCycles(edges, policy), ...fileCycles(edges));
  for (const entry of policy.pending) {
    if (pendingUsed.has(entry)) continue;
    violations.push({
      rule: 'stale-pending',
      message: `${entry.from} no longer imports ${entry.to}: delete its pending entry from the policy`,
    });
  }
  return violations;
}

/** The module a `src/`-relative path belongs to. */
export function moduleOf(path: string, policy: BoundaryPolicy): string {
  const top = path.includes('/') ? path.slice(0, path.indexOf('/')) : ENTRY;
  return policy.modules.includes(top) ? top : ENTRY;
}

function isTestFile(path: string, policy: BoundaryPolicy): boolean {
  return allowanceFor(policy.testFiles, path) !== undefined;
}

function edgeViolations(edge: ImportEdge, policy: BoundaryPolicy): BoundaryViolation[] {
  if (isTestFile(edge.from, policy)) return [];
  const at = `${edge.from}:${edge.line}`;
  if (edge.external) {
    if (!isAdapterPackage(edge.to, policy)) return [];
    const from = moduleOf(edge.from, policy);
    if (from !== policy.kernel && allowanceFor(policy.adapterFiles, edge.from)) return [];
    return [
      {
        rule: 'adapter-package',
        message: `${at} imports the adapter package '${edge.to}' outside an adapter folder (${edge.kind})`,
      },
    ];
  }
  const from = moduleOf(edge.from, policy);
  const to = moduleOf(edge.to, policy);
  if (from === to) return [];
  if (from === policy.kernel) {
    const allowed = allowanceFor(policy.kernelMay, edge.to) !== undefined && TYPE_ONLY_KINDS.has(edge.kind);
    if (allowed) return [];
    return [
      {
        rule: 'kernel-imports-module',
        message: `${at}: the kernel '${from}' imports ${edge.to} (${edge.kind})`,
      },
    ];
  }
  if (to === policy.kernel) {
    if (policy.compositionRoots.includes(from) || !allowanceFor(policy.kernelForRoots, edge.to)) return [];
    return [
      { rule: 'root-only-kernel-file', message: `${at}: only the composition root imports ${edge.to}` },
    ];
  }
  if (edge.to === `${to}/index.ts`) return [];
  if (policy.compositionRoots.includes(from) && allowanceFor(policy.compositionFiles, edge.to)) return [];
  return [
    {
      rule: 'module-internals',
      message: `${at} reaches into ${edge.to}, inside '${to}': import '${to}/index.ts' instead (${edge.kind})`,
    },
  ];
}

function isAdapterPackage(specifier: string, policy: BoundaryPolicy): boolean {
  return policy.adapterPackages.some((name) => specifier === name || specifier.startsWith(`${name}/`));
}

/**
 * Cycles between modules, type-only imports included: two modules that name each other's types are one module
 * in two folders. Test files are left out (they may import anything), and so is the kernel's side: every module
 * uses the kernel, and what the kernel may import is limited by its own rule to type-only port names.
 */
function moduleCycles(edges: ImportEdge[], policy: BoundaryPolicy): BoundaryViolation[] {
  const graph = new Map<string, Set<string>>();
  for (const edge of edges) {
    if (edge.external || isTestFile(edge.from, policy)) continue;
    const from = moduleOf(edge.from, policy);
    const to = moduleOf(edge.to, policy);
    if (from === to || from === policy.kernel) continue;
    if (!graph.has(from)) graph.set(from, new Set());
    graph.get(from)!.add(to);
  }
  return findCycles(graph).map((cycle) => ({
    rule: 'module-cycle' as const,
    message: `modules import each other: ${cycle.join(' → ')} (${witnesses(cycle, edges, policy)})`,
  }));
}

/** One importing file per step of a module cycle, so the message says where to cut it. */
function witnesses(cycle: string[], edges: ImportEdge[], policy: BoundaryPolicy): string {
  return cycle
    .slice(1)
    .map((to, i) => {
      const from = cycle[i]!;
      const edge = edges.find(
        (e) =>
          !e.external &&
          !isTestFile(e.from, policy) &&
          moduleOf(e.from, policy) === from &&
          moduleOf(e.to, policy) === to,
      );
      return edge ? `${edge.from} → ${edge.to}` : `${from} → ${to}`;
    })
    .join('; ');
}

/**
 * Cycles between files, over imports that load code. Type-only imports are erased from the emitted JavaScript
 * (`verbatimModuleSyntax`), so they cannot make a load-order cycle; between modules they still count (above).
 */
function fileCycles(edges: ImportEdge[]): BoundaryViolation[] {
  const graph = new Map<string, Set<string>>();
  for (const edge of edges) {
    if (edge.external || TYPE_ONLY_KINDS.has(edge.kind)) continue;
    if (!graph.has(edge.from)) graph.set(edge.from, new Set());
    graph.get(edge.from)!.add(edge.to);
  }
  return findCycles(graph).map((cycle) => ({
    rule: 'file-cycle' as const,
    message: `files import each other: ${cycle.join(' → ')}`,
  }));
}

/**
 * An app (`examples/*`) uses Lift as its users do: through the package entry `@lift/server` and the subpaths its
 * `exports` declare (`@lift/server/http` …), never a file of the package. `graph` is read from the app's folder,
 * so a relative import that leaves it is reaching into another package.
 */
export function checkAppImports(
  graph: ImportGraph,
  packageName = '@lift/server',
  subpaths: readonly string[] = [],
): BoundaryViolation[] {
  const declared = new Set(subpaths.map((subpath) => `${packageName}/${subpath}`));
  return graph.edges
    .filter((edge) =>
      edge.external
        ? edge.to.startsWith(`${packageName}/`) && !declared.has(edge.to)
        : edge.to.startsWith('../'),
    )
    .map((edge) => ({
      rule: 'app-reaches-into-lift' as const,
      message: `${edge.from}:${edge.line} imports ${edge.to}: an app imports Lift only as '${packageName}' or a declared subpath`,
    }));
}
