import { type FSWatcher, readdirSync, statSync, watch } from 'node:fs';
import path from 'node:path';

/**
 * Watches directory trees with one non-recursive `fs.watch` per directory, walked here rather than with
 * `{ recursive: true }`: Node's recursive mode on Linux walks every directory itself, node_modules included,
 * while this walk skips the ignored ones before it watches anything. Directories created later are walked when
 * they appear. Reports absolute paths of entries that changed, at most once per event.
 */

/** Directory and file names never watched: dependencies, builds, version control. */
export const IGNORED_NAMES = new Set(['node_modules', '.git', 'dist', 'coverage']);

export interface TreeWatchOptions {
  /** Absolute paths to leave out, with everything under them (the data directory). */
  ignorePaths: string[];
  onChange(file: string): void;
}

export interface TreeWatch {
  /** Watches `root` and every directory under it that is not ignored. */
  addTree(root: string): void;
  /** Watches only `file` (through its directory, so editors that replace the file are seen too). */
  addFile(file: string): void;
  close(): void;
}

/** Editor swap and backup files, and SQLite's own files, are not the app's sources. */
function isNoise(name: string): boolean {
  return (
    name.endsWith('~') ||
    name.endsWith('.swp') ||
    name.endsWith('.swx') ||
    /^\d+$/.test(name) ||
    /\.(db|sqlite)(-journal|-wal|-shm)?$/.test(name)
  );
}

export function watchTrees(options: TreeWatchOptions): TreeWatch {
  const watchers = new Map<string, FSWatcher>();
  const trees = new Set<string>();
  /** Directory → the only names reported in it (for directories watched for one file). */
  const onlyNames = new Map<string, Set<string>>();

  const ignored = (file: string): boolean =>
    IGNORED_NAMES.has(path.basename(file)) ||
    options.ignorePaths.some((ignore) => file === ignore || file.startsWith(ignore + path.sep));

  const insideTree = (dir: string): boolean =>
    [...trees].some((root) => dir === root || dir.startsWith(root + path.sep));

  function watchDir(dir: string): void {
    if (watchers.has(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, { persistent: true }, (_event, name) => {
        if (name === null) return;
        const file = path.join(dir, name.toString());
        const only = onlyNames.get(dir);
        if (only !== undefined && !insideTree(dir) && !only.has(path.basename(file))) return;
        if (ignored(file) || isNoise(path.basename(file))) return;
        if (insideTree(dir) && isDirectory(file)) walk(file);
        options.onChange(file);
      });
    } catch {
      return; // gone already, or not readable: nothing to watch
    }
    watcher.on('error', () => {
      watcher.close();
      watchers.delete(dir);
    });
    watchers.set(dir, watcher);
  }

  function walk(dir: string): void {
    if (ignored(dir)) return;
    watchDir(dir);
    let entries: string[];
    try {
      entries = readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name);
    } catch {
      return;
    }
    for (const name of entries) walk(path.join(dir, name));
  }

  return {
    addTree(root) {
      const dir = path.resolve(root);
      trees.add(dir);
      walk(dir);
    },
    addFile(file) {
      const absolute = path.resolve(file);
      const dir = path.dirname(absolute);
      const names = onlyNames.get(dir) ?? new Set<string>();
      names.add(path.basename(absolute));
      onlyNames.set(dir, names);
      watchDir(dir);
    },
    close() {
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}
