import { readFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Covered and total counts of one metric, as the json-summary coverage reporter writes them. */
interface Totals {
  readonly total: number;
  readonly covered: number;
}

/** One file's entry (or the `total` entry) of `coverage-summary.json`. */
export interface FileSummary {
  readonly lines: Totals;
  readonly branches: Totals;
}

/** Line and branch coverage of one module folder of packages/server/src. */
export interface ModuleCoverage {
  readonly module: string;
  readonly files: number;
  readonly lines: Totals;
  readonly branches: Totals;
}

/** Files directly in src/ (the entry points) are grouped under this name. */
export const ROOT_FILES = '(entry files)';

/** The target the plans set for new code; modules under it are marked in the table. */
const TARGET_PERCENT = 95;

const SOURCE_DIR = ['packages', 'server', 'src'].join(sep);

/** Groups a json summary's files by their folder under packages/server/src; other files are left out. */
export function coverageByModule(summary: Record<string, FileSummary>, repoRoot: string): ModuleCoverage[] {
  const modules = new Map<string, ModuleCoverage>();
  for (const [file, entry] of Object.entries(summary)) {
    if (file === 'total') continue;
    const fromSource = relative(resolve(repoRoot, SOURCE_DIR), resolve(repoRoot, file));
    if (fromSource.startsWith('..')) continue;
    const parts = fromSource.split(sep);
    const module = parts.length > 1 ? parts[0]! : ROOT_FILES;
    const sum = modules.get(module) ?? { module, files: 0, lines: zero(), branches: zero() };
    modules.set(module, {
      module,
      files: sum.files + 1,
      lines: add(sum.lines, entry.lines),
      branches: add(sum.branches, entry.branches),
    });
  }
  return [...modules.values()].sort((a, b) => a.module.localeCompare(b.module));
}

/** The per-module table in Markdown, with an `all` row and the modules under the target marked. */
export function formatCoverageTable(modules: readonly ModuleCoverage[]): string {
  const all = modules.reduce(
    (sum, next) => ({
      module: 'all',
      files: sum.files + next.files,
      lines: add(sum.lines, next.lines),
      branches: add(sum.branches, next.branches),
    }),
    { module: 'all', files: 0, lines: zero(), branches: zero() },
  );
  const rows = [...modules, all].map((row) => {
    const under = percent(row.lines) < TARGET_PERCENT || percent(row.branches) < TARGET_PERCENT;
    return `| ${row.module} | ${row.files} | ${cell(row.lines)} | ${cell(row.branches)} | ${under ? 'yes' : ''} |`;
  });
  return [
    `| module | files | lines | branches | under ${TARGET_PERCENT} % |`,
    '| --- | ---: | ---: | ---: | :---: |',
    ...rows,
  ].join('\n');
}

function zero(): Totals {
  return { total: 0, covered: 0 };
}

function add(a: Totals, b: Totals): Totals {
  return { total: a.total + b.total, covered: a.covered + b.covered };
}

/** A module without a line or branch to cover counts as fully covered. */
function percent(totals: Totals): number {
  return totals.total === 0 ? 100 : (100 * totals.covered) / totals.total;
}

function cell(totals: Totals): string {
  return `${percent(totals).toFixed(1)} % (${totals.covered}/${totals.total})`;
}

function main(): void {
  const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
  const summaryPath = resolve(repoRoot, process.argv[2] ?? 'coverage/coverage-summary.json');
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as Record<string, FileSummary>;
  process.stdout.write(`${formatCoverageTable(coverageByModule(summary, repoRoot))}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
