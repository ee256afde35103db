import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

/**
 * The import graph of a source tree, read with the TypeScript parser (not a regex), so every form that loads
 * or names another file counts: `import`, `import type`, `export … from`, `import()` and the type-level
 * `import('…').Name`. Paths are POSIX and relative to the scanned root (`access/module.ts`); a relative
 * specifier is resolved to such a path, a bare one (`ioredis`, `node:fs`) is kept as written.
 */

export type ImportKind =
  | 'import'
  | 'import type'
  | 'export from'
  | 'export type from'
  | 'dynamic import'
  | 'type import()';

/** Kinds erased from the emitted JavaScript (`verbatimModuleSyntax`): they name types, they load nothing. */
export const TYPE_ONLY_KINDS: ReadonlySet<ImportKind> = new Set([
  'import type',
  'export type from',
  'type import()',
]);

export interface ImportEdge {
  /** The importing file, relative to the root. */
  from: string;
  /** The resolved file (relative to the root) for a relative specifier, else the bare specifier. */
  to: string;
  /** True when `to` is a package (`pg`, `node:fs`), false when it is a file of the tree. */
  external: boolean;
  kind: ImportKind;
  /** 1-based line of the statement, for the failure message. */
  line: number;
}

export interface ImportGraph {
  files: string[];
  edges: ImportEdge[];
}

/** Every `.ts` file under `root`, as sorted POSIX paths relative to it. */
export function listSourceFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) found.push(relative(root, path).split(sep).join('/'));
    }
  };
  walk(root);
  return found.sort();
}

/** The import graph of every `.ts` file under `root`. */
export function readImportGraph(root: string): ImportGraph {
  const files = listSourceFiles(root);
  const edges = files.flatMap((file) => importsOf(file, readFileSync(join(root, file), 'utf8')));
  return { files, edges };
}

/** The imports of one file, given its path (relative to the root) and its text. */
export function importsOf(file: string, text: string): ImportEdge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (specifier: ts.Node | undefined, kind: ImportKind, at: ts.Node): void => {
    if (specifier === undefined || !ts.isStringLiteralLike(specifier)) return;
    const line = source.getLineAndCharacterOfPosition(at.getStart(source)).line + 1;
    edges.push({ from: file, ...resolveSpecifier(file, specifier.text), kind, line });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      add(node.moduleSpecifier, node.importClause?.isTypeOnly ? 'import type' : 'import', node);
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, node.isTypeOnly ? 'export type from' : 'export from', node);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, 'import', node);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], 'dynamic import', node);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, 'type import()', node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

function resolveSpecifier(file: string, specifier: string): { to: string; external: boolean } {
  if (!specifier.startsWith('.')) return { to: specifier, external: true };
  return { to: posix.normalize(posix.join(dirname(file).split(sep).join('/'), specifier)), external: false };
}
