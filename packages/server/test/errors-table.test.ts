import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { documentedCatalog } from '../src/app/generate-config-docs.ts';
import { LIFT_ERRORS } from '../src/app/lift-errors.ts';
import { ENV_ALLOWLIST_PREFIXES } from '../src/core/config/env.ts';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  ServiceUnavailableError,
  StoreUnavailableError,
  UnauthenticatedError,
} from '../src/core/errors.ts';
import { repoRoot } from './support/lift-process.ts';

/**
 * `LIFT_ERRORS` (app/lift-errors.ts) is the union of core's and every module's error codes, the one list of
 * Lift's codes. This keeps docs/errors.md equal to it, code and status, both ways; and keeps it complete: every
 * `LIFT_…` string literal in the server's source must be in it, raised with a status it lists.
 */

const sourceRoot = path.join(repoRoot, 'packages/server/src');

/** Rows of the table in docs/errors.md, `| \`LIFT_X\` | 401 | when |`, as LIFT_X → [401, …] (a row per status). */
function documentedErrors(markdown: string): Map<string, number[]> {
  const rows = new Map<string, number[]>();
  for (const line of markdown.split('\n')) {
    const cells = /^\|\s*`(LIFT_[A-Z0-9_]+)`\s*\|([^|]*)\|/.exec(line);
    if (!cells) continue;
    const [, code = '', statusCell = ''] = cells;
    const status = Number(statusCell.trim());
    const statuses = rows.get(code) ?? [];
    expect(statuses, `docs/errors.md has two rows for ${code} ${status}`).not.toContain(status);
    rows.set(code, [...statuses, status].sort());
  }
  return rows;
}

function registeredErrors(): Map<string, number[]> {
  const rows = new Map<string, number[]>();
  for (const { code, status } of LIFT_ERRORS) rows.set(code, [...(rows.get(code) ?? []), status].sort());
  return rows;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** The fixed status of core's error classes that take a code argument: a subclass passes its code through. */
const statusOfCoreClass = new Map<string, number>([
  ...[BadRequestError, UnauthenticatedError, ForbiddenError, ConflictError, ServiceUnavailableError].map(
    (errorClass) => [errorClass.name, new errorClass().status] as const,
  ),
  [StoreUnavailableError.name, new StoreUnavailableError('sql').status],
]);

interface CodeUse {
  code: string;
  where: string;
  /** The status the code is raised with, when the source says so; `undefined` for a mere mention. */
  status: number | 'unknown' | undefined;
}

/**
 * Every `'LIFT_…'` string (or plain template) literal in the server's source that is not a config variable,
 * with the status it is raised with: `new LiftError('LIFT_X', 409, …)` / `super('LIFT_X', 409, …)` say it; a
 * code passed to (or through `super` of a subclass of) one of core's fixed-status classes gets that class's
 * status. A code given to a class whose status this cannot tell is `unknown` and fails the test, so a new way
 * of raising codes has to be taught here rather than slip past; a literal outside any construction
 * (`error.code === 'LIFT_X'`) is a mention: it must be in the union, with no status to compare.
 */
function codeUsesInSource(): CodeUse[] {
  const parsed = sourceFiles(sourceRoot).map((file) =>
    ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true),
  );
  const baseOf = new Map<string, string>();
  for (const source of parsed) {
    source.forEachChild(function visit(node): void {
      if (ts.isClassDeclaration(node) && node.name) {
        const base = node.heritageClauses?.[0]?.types[0]?.expression;
        if (base && ts.isIdentifier(base)) baseOf.set(node.name.text, base.text);
      }
      node.forEachChild(visit);
    });
  }
  const statusOfClass = (name: string | undefined): number | 'unknown' => {
    for (let current = name; current !== undefined; current = baseOf.get(current)) {
      const status = statusOfCoreClass.get(current);
      if (status !== undefined) return status;
      if (current === 'LiftError') return 'unknown';
    }
    return 'unknown';
  };

  const uses: CodeUse[] = [];
  for (const source of parsed) {
    source.forEachChild(function visit(node): void {
      if (ts.isStringLiteralLike(node) && /^LIFT_[A-Z0-9_]*[A-Z0-9]$/.test(node.text)) {
        const isVariable =
          documentedCatalog().byEnvVar.has(node.text) ||
          ENV_ALLOWLIST_PREFIXES.some((prefix) => node.text.startsWith(prefix));
        if (!isVariable) {
          const { line } = source.getLineAndCharacterOfPosition(node.getStart());
          const where = `${path.relative(repoRoot, source.fileName)}:${line + 1}`;
          uses.push({ code: node.text, where, status: statusOfUse(node, statusOfClass) });
        }
      }
      node.forEachChild(visit);
    });
  }
  return uses;
}

function statusOfUse(
  literal: ts.StringLiteralLike,
  statusOfClass: (name: string | undefined) => number | 'unknown',
): CodeUse['status'] {
  let argument: ts.Node = literal;
  // `mode === 'invite' ? 'LIFT_A' : 'LIFT_B'` and `{ code: 'LIFT_A' }` are the argument they sit in.
  while (
    ts.isConditionalExpression(argument.parent) ||
    ts.isParenthesizedExpression(argument.parent) ||
    (ts.isPropertyAssignment(argument.parent) && argument.parent.name.getText() === 'code') ||
    ts.isObjectLiteralExpression(argument.parent)
  ) {
    if (ts.isConditionalExpression(argument.parent) && argument.parent.condition === argument)
      return undefined;
    argument = argument.parent;
  }
  // `constructor(detail, code = 'LIFT_X')` of a class: that class's status.
  if (ts.isParameter(argument.parent) && ts.isConstructorDeclaration(argument.parent.parent)) {
    const owner = argument.parent.parent.parent;
    return ts.isClassDeclaration(owner) ? statusOfClass(owner.name?.text) : 'unknown';
  }
  const call = argument.parent;
  if (!ts.isNewExpression(call) && !ts.isCallExpression(call)) return undefined;
  const args: readonly ts.Expression[] = call.arguments ?? [];
  const index = args.indexOf(argument as ts.Expression);
  if (index < 0) return undefined;
  const next = args[index + 1];
  if (index === 0 && next !== undefined && ts.isNumericLiteral(next)) return Number(next.text);
  if (ts.isNewExpression(call)) return statusOfClass(call.expression.getText());
  if (call.expression.kind !== ts.SyntaxKind.SuperKeyword) return undefined;
  let owner: ts.Node = call;
  while (!ts.isClassDeclaration(owner) && owner.parent !== undefined) owner = owner.parent;
  const base = ts.isClassDeclaration(owner) ? owner.heritageClauses?.[0]?.types[0]?.expression : undefined;
  return statusOfClass(base?.getText());
}

describe('the union of error codes and docs/errors.md', () => {
  it('docs/errors.md has one row per code and status of the union, and no other LIFT_ code', () => {
    const documented = documentedErrors(readFileSync(path.join(repoRoot, 'docs/errors.md'), 'utf8'));
    const registered = registeredErrors();
    const undocumented = [...registered.keys()].filter((code) => !documented.has(code));
    const unregistered = [...documented.keys()].filter((code) => !registered.has(code));
    expect({ undocumented, unregistered }).toEqual({ undocumented: [], unregistered: [] });
    const statusMismatches = [...registered]
      .filter(([code, statuses]) => documented.get(code)?.join() !== statuses.join())
      .map(
        ([code, statuses]) =>
          `${code}: union ${statuses.join(', ')}, docs ${documented.get(code)?.join(', ')}`,
      );
    expect(statusMismatches).toEqual([]);
  });

  it('every LIFT_ string literal in the source is in the union, raised with a status it lists', () => {
    const uses = codeUsesInSource();
    // The scan sees the codes: a broken scan must not pass by finding nothing.
    expect(uses.map((use) => use.code)).toEqual(
      expect.arrayContaining([
        'LIFT_SECRET_UNREADABLE',
        'LIFT_CSRF',
        'LIFT_MFA_REQUIRED',
        'LIFT_SIGNUP_CLOSED',
      ]),
    );
    const registered = registeredErrors();
    const unregistered = uses
      .filter((use) => !registered.has(use.code))
      .map((use) => `${use.code} (${use.where})`);
    const wrongStatus = uses
      .filter(
        (use) =>
          use.status !== undefined &&
          registered.has(use.code) &&
          !registered.get(use.code)?.includes(use.status as number),
      )
      .map(
        (use) => `${use.code} raised with ${use.status} at ${use.where}; union: ${registered.get(use.code)}`,
      );
    // Each status the union lists is one the source raises the code with (core's own classes aside).
    const raised = new Set(uses.map((use) => `${use.code} ${use.status}`));
    const unraised = [...registered]
      .flatMap(([code, statuses]) => statuses.map((status) => `${code} ${status}`))
      .filter((entry) => uses.some((use) => entry.startsWith(`${use.code} `)) && !raised.has(entry));
    expect({ unregistered, wrongStatus, unraised }).toEqual({
      unregistered: [],
      wrongStatus: [],
      unraised: [],
    });
  });
});
