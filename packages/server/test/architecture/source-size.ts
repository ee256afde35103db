import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The size rule of CONVENTIONS ("a file holds one concept"): no source file over 400 lines and no function
 * over 80, measured on `packages/server/src` without tests. Conformance suites (`*.conformance.ts`) are one
 * `describe` per port by design and are measured for file length only.
 */

export const MAX_FILE_LINES = 400;
export const MAX_FUNCTION_LINES = 80;

export interface SizeViolation {
  file: string;
  /** A function's name and first line, or undefined for the file itself. */
  where?: string;
  lines: number;
}

export function sourceFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) files.push(full);
    }
  };
  walk(root);
  return files.sort();
}

/** Every function, method, accessor or arrow function in `text` longer than `MAX_FUNCTION_LINES`. */
export function longFunctions(file: string, text: string): SizeViolation[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: SizeViolation[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > MAX_FUNCTION_LINES) {
        const name = node.name?.getText(source) ?? '(anonymous)';
        found.push({ file, where: `${name} at line ${start + 1}`, lines });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

export function sizeViolations(root: string): SizeViolation[] {
  const violations: SizeViolation[] = [];
  for (const file of sourceFiles(root)) {
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    const relative = path.relative(root, file);
    if (lines > MAX_FILE_LINES) violations.push({ file: relative, lines });
    if (!file.endsWith('.conformance.ts')) {
      for (const v of longFunctions(relative, text)) violations.push(v);
    }
  }
  return violations;
}
