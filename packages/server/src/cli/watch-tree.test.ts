import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeChanges } from './watch.ts';
import { type TreeWatch, watchTrees } from './watch-tree.ts';

/** The directory watching of `lift serve --watch`, on the real file system. */

let watcher: TreeWatch | undefined;
afterEach(() => watcher?.close());

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

function project(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'lift-watch-tree-'));
  for (const dir of ['src/routes', 'node_modules/dep', '.lift', 'dist', '.git']) {
    mkdirSync(path.join(root, dir), { recursive: true });
  }
  return root;
}

describe('watchTrees', () => {
  it('reports changes in the tree and in directories made later, never in ignored ones', async () => {
    const root = project();
    const seen: string[] = [];
    watcher = watchTrees({ ignorePaths: [path.join(root, '.lift')], onChange: (file) => seen.push(file) });
    watcher.addTree(root);

    for (const file of [
      'node_modules/dep/index.js',
      '.lift/lift.db',
      'dist/app.js',
      '.git/index',
      'src/.app.ts.swp',
      'src/app.ts~',
      'data.db-wal',
    ]) {
      writeFileSync(path.join(root, file), 'x');
    }
    await settle();
    expect(seen).toEqual([]);

    writeFileSync(path.join(root, 'src/routes/notes.ts'), 'export {};');
    mkdirSync(path.join(root, 'src/lib'));
    await settle();
    writeFileSync(path.join(root, 'src/lib/util.ts'), 'export {};');
    await settle();
    const relative = new Set(seen.map((file) => path.relative(root, file)));
    expect([...relative].sort()).toEqual(['src/lib', 'src/lib/util.ts', 'src/routes/notes.ts']);
  });

  it('watches a single file through its directory, ignoring its neighbours', async () => {
    const root = project();
    const seen: string[] = [];
    watcher = watchTrees({ ignorePaths: [], onChange: (file) => seen.push(file) });
    watcher.addFile(path.join(root, 'lift.config.ts'));
    writeFileSync(path.join(root, 'other.ts'), 'x');
    writeFileSync(path.join(root, 'lift.config.ts'), 'export default {};');
    await settle();
    expect(new Set(seen.map((file) => path.basename(file)))).toEqual(new Set(['lift.config.ts']));
  });
});

describe('describeChanges', () => {
  it('names the files relative to the current directory, at most three', () => {
    expect(describeChanges(['/p/src/app.ts'], '/p')).toBe('src/app.ts changed');
    expect(describeChanges(['/p/a', '/p/b', '/p/c', '/p/d', '/p/e', '/p/a'], '/p')).toBe(
      'a, b, c and 2 more changed',
    );
  });
});
