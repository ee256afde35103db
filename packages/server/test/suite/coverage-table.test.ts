import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  coverageByModule,
  type FileSummary,
  formatCoverageTable,
  ROOT_FILES,
} from '../support/coverage-table.ts';

const root = path.join(path.sep, 'repo');
const source = (file: string) => path.join(root, 'packages', 'server', 'src', file);
const entry = (lines: [number, number], branches: [number, number]): FileSummary => ({
  lines: { covered: lines[0], total: lines[1] },
  branches: { covered: branches[0], total: branches[1] },
});

describe('the per-module coverage table', () => {
  const summary: Record<string, FileSummary> = {
    total: entry([1, 1], [1, 1]),
    [source('sessions/session-store.ts')]: entry([90, 100], [40, 50]),
    [source('sessions/sql/sql-session-store.ts')]: entry([100, 100], [50, 50]),
    [source('tokens/jwt.ts')]: entry([19, 20], [10, 10]),
    [source('index.ts')]: entry([0, 0], [0, 0]),
    [path.join(root, 'packages', 'client', 'src', 'index.ts')]: entry([0, 50], [0, 5]),
  };

  it('sums the files of each folder under packages/server/src, nested folders included, and nothing outside', () => {
    expect(coverageByModule(summary, root)).toEqual([
      { module: ROOT_FILES, files: 1, lines: { covered: 0, total: 0 }, branches: { covered: 0, total: 0 } },
      {
        module: 'sessions',
        files: 2,
        lines: { covered: 190, total: 200 },
        branches: { covered: 90, total: 100 },
      },
      { module: 'tokens', files: 1, lines: { covered: 19, total: 20 }, branches: { covered: 10, total: 10 } },
    ]);
  });

  it('prints lines and branches per module with an `all` row, and marks the modules under 95 %', () => {
    const table = formatCoverageTable(coverageByModule(summary, root)).split('\n');
    expect(table[0]).toBe('| module | files | lines | branches | under 95 % |');
    expect(table).toContain('| sessions | 2 | 95.0 % (190/200) | 90.0 % (90/100) | yes |');
    expect(table).toContain('| tokens | 1 | 95.0 % (19/20) | 100.0 % (10/10) |  |');
    expect(table.at(-1)).toBe('| all | 4 | 95.0 % (209/220) | 90.9 % (100/110) | yes |');
  });
});
