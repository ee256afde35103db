import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

/**
 * The API report of Lift's packages: every export of every entry point (`exports` in each package.json), with its
 * kind and its type as the TypeScript compiler sees it, written to `<package>/api-report.md`. Interfaces and
 * classes are spelled out member by member (inherited and picked members included, `#private` ones left out), so
 * a change to a public signature — also one made in an internal class a public interface picks from — shows as a
 * diff of the report. `test/api-report.test.ts` regenerates it in memory and fails when it differs.
 *
 *   npm run api-report    (rewrites the reports)
 */

export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
export const UPDATE_COMMAND = 'npm run api-report';
export const PACKAGES = ['packages/server', 'packages/client'] as const;

const FLAGS =
  ts.TypeFormatFlags.NoTruncation |
  ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType |
  ts.TypeFormatFlags.WriteArrayAsGenericType;

interface EntryPoint {
  /** `@lift/server/http` */
  specifier: string;
  /** Absolute path of its source file. */
  file: string;
}

/** The entry points a package declares: each `exports` key mapped to its source `.ts` file. */
export function entryPoints(packageDir: string): EntryPoint[] {
  const manifest = JSON.parse(readFileSync(join(REPO, packageDir, 'package.json'), 'utf8')) as {
    name: string;
    exports: Record<string, string | Record<string, string>>;
  };
  // `./package.json` (and any other non-code entry) has no API to report.
  const code = Object.entries(manifest.exports).filter(([key]) => !key.endsWith('.json'));
  return code.map(([key, target]) => {
    const path =
      typeof target === 'string'
        ? target
        : (target['lift-source'] ?? target.source ?? target.import ?? target.default ?? '');
    const source = path.replace(/^\.\/dist\//, './src/').replace(/\.(m?js|d\.ts)$/, '.ts');
    return {
      specifier: key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`,
      file: join(REPO, packageDir, source),
    };
  });
}

/** The reports of every package, keyed by the report's path relative to the repository. */
export function apiReports(): Map<string, string> {
  const entries = PACKAGES.map((dir) => ({ dir, points: entryPoints(dir) }));
  const options: ts.CompilerOptions = {
    ...ts.parseJsonConfigFileContent(
      ts.readConfigFile(join(REPO, 'tsconfig.json'), ts.sys.readFile).config,
      ts.sys,
      REPO,
    ).options,
    noEmit: true,
  };
  const program = ts.createProgram(
    entries.flatMap(({ points }) => points.map((point) => point.file)),
    options,
  );
  const checker = program.getTypeChecker();
  const reports = new Map<string, string>();
  for (const { dir, points } of entries) {
    const sections = points.map((point) => entrySection(checker, program, point));
    reports.set(`${dir}/api-report.md`, reportHeader(points[0]?.specifier ?? dir) + sections.join('\n'));
  }
  return reports;
}

function reportHeader(packageName: string): string {
  return [
    `# API report: ${packageName}`,
    '',
    'Generated from the sources by `packages/server/test/support/api-report.ts`; do not edit. Every export of',
    `every entry point, with its type. \`npm test\` fails when the public surface changes and this file was not`,
    `regenerated: run \`${UPDATE_COMMAND}\` and review the diff.`,
    '',
    '',
  ].join('\n');
}

function entrySection(checker: ts.TypeChecker, program: ts.Program, point: EntryPoint): string {
  const source = program.getSourceFile(point.file);
  if (source === undefined) throw new Error(`no source file ${point.file}`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  const exports = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];
  const lines = [...exports]
    .sort((a, b) => a.name.localeCompare(b.name, 'en'))
    .map((symbol) => describeExport(checker, symbol));
  const path = relative(REPO, point.file).split('\\').join('/');
  return [
    `## \`${point.specifier}\``,
    '',
    `Source: \`${path}\`, ${exports.length} exports.`,
    '',
    '```ts',
    ...lines,
    '```',
    '',
  ].join('\n');
}

function resolved(checker: ts.TypeChecker, symbol: ts.Symbol): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/** One export: a declaration per meaning the name has (a class is also a type; a const may share a type's name). */
function describeExport(checker: ts.TypeChecker, exported: ts.Symbol): string {
  const symbol = resolved(checker, exported);
  const name = exported.name;
  const typeOnly = isTypeOnlyExport(exported);
  const parts: string[] = [];
  const flags = symbol.flags;
  if (flags & ts.SymbolFlags.Class) parts.push(describeClass(checker, symbol, name, typeOnly));
  if (flags & ts.SymbolFlags.Interface) parts.push(describeInterface(checker, symbol, name));
  if (flags & ts.SymbolFlags.TypeAlias) parts.push(describeTypeAlias(symbol, name));
  if (flags & ts.SymbolFlags.Enum) parts.push(`enum ${name} { ${enumMembers(symbol)} }`);
  if (flags & ts.SymbolFlags.Function) parts.push(describeFunction(checker, symbol, name));
  if (flags & ts.SymbolFlags.Variable) parts.push(describeVariable(checker, symbol, name));
  if (parts.length === 0) parts.push(`/* ${ts.SymbolFlags[flags] ?? flags} */ ${name}`);
  return `${parts.join('\n')}\n`;
}

function isTypeOnlyExport(symbol: ts.Symbol): boolean {
  return (symbol.declarations ?? []).some(
    (declaration) =>
      (ts.isExportSpecifier(declaration) &&
        (declaration.isTypeOnly || declaration.parent.parent.isTypeOnly)) ||
      ts.isTypeOnlyImportOrExportDeclaration(declaration),
  );
}

function declarationOf<T extends ts.Declaration>(
  symbol: ts.Symbol,
  is: (node: ts.Node) => node is T,
): T | undefined {
  return symbol.declarations?.find(is);
}

function typeParameters(
  node: { typeParameters?: ts.NodeArray<ts.TypeParameterDeclaration> } | undefined,
): string {
  const params = node?.typeParameters;
  return params && params.length > 0 ? `<${params.map((param) => flat(param.getText())).join(', ')}>` : '';
}

function flat(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim();
}

/** Compiler output without the absolute import paths it uses for names out of scope. */
function clean(text: string): string {
  return text.replace(/import\("[^"]*"(?:, \{ with: \{ [^}]*\} \})?\)\./g, '');
}

function typeText(checker: ts.TypeChecker, type: ts.Type): string {
  return clean(checker.typeToString(type, undefined, FLAGS));
}

function signatureText(checker: ts.TypeChecker, signature: ts.Signature): string {
  return clean(checker.signatureToString(signature, undefined, FLAGS));
}

function describeFunction(checker: ts.TypeChecker, symbol: ts.Symbol, name: string): string {
  const type = checker.getTypeOfSymbol(symbol);
  return type
    .getCallSignatures()
    .map((signature) => `function ${name}${signatureText(checker, signature)};`)
    .join('\n');
}

function describeVariable(checker: ts.TypeChecker, symbol: ts.Symbol, name: string): string {
  const declaration = symbol.valueDeclaration;
  const keyword =
    declaration && ts.isVariableDeclaration(declaration) && declaration.parent.flags & ts.NodeFlags.Const
      ? 'const'
      : 'let';
  return `${keyword} ${name}: ${typeText(checker, checker.getTypeOfSymbol(symbol))};`;
}

function describeTypeAlias(symbol: ts.Symbol, name: string): string {
  const declaration = declarationOf(symbol, ts.isTypeAliasDeclaration);
  if (declaration === undefined) return `type ${name};`;
  return `type ${name}${typeParameters(declaration)} = ${flat(declaration.type.getText())};`;
}

function enumMembers(symbol: ts.Symbol): string {
  const declaration = declarationOf(symbol, ts.isEnumDeclaration);
  return declaration ? declaration.members.map((member) => flat(member.getText())).join(', ') : '';
}

function describeInterface(checker: ts.TypeChecker, symbol: ts.Symbol, name: string): string {
  const declaration = declarationOf(symbol, ts.isInterfaceDeclaration);
  const type = checker.getDeclaredTypeOfSymbol(symbol);
  const members = memberLines(checker, type, false);
  for (const signature of type.getCallSignatures()) members.push(`  ${signatureText(checker, signature)};`);
  return [`interface ${name}${typeParameters(declaration)} {`, ...members, '}'].join('\n');
}

function describeClass(checker: ts.TypeChecker, symbol: ts.Symbol, name: string, typeOnly: boolean): string {
  const declaration = declarationOf(symbol, ts.isClassDeclaration);
  const heritage = declaration?.heritageClauses?.map((clause) => flat(clause.getText())).join(' ') ?? '';
  const head = `${typeOnly ? '/* type only */ ' : ''}class ${name}${typeParameters(declaration)}${heritage ? ` ${heritage}` : ''} {`;
  const staticType = checker.getTypeOfSymbol(symbol);
  const constructors = staticType
    .getConstructSignatures()
    .filter((signature) => !isInternal(signature.getDeclaration()))
    .map((signature) => `  constructor${signatureText(checker, signature).replace(/: [^:]*$/, '')};`);
  const statics = memberLines(checker, staticType, true).map((line) => line.replace(/^ {2}/, '  static '));
  const instance = memberLines(checker, checker.getDeclaredTypeOfSymbol(symbol), false);
  return [head, ...constructors, ...statics, ...instance, '}'].join('\n');
}

function isInternal(node: ts.Node | undefined): boolean {
  return (
    (node !== undefined && ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'internal')) ||
    (node !== undefined && /@internal/.test(node.getFullText().slice(0, node.getLeadingTriviaWidth())))
  );
}

/** `  name: type;` / `  name(params): result;` for each public member, sorted by name. */
function memberLines(checker: ts.TypeChecker, type: ts.Type, statics: boolean): string[] {
  const lines: string[] = [];
  for (const property of checker.getPropertiesOfType(type)) {
    if (statics && property.name === 'prototype') continue;
    if (property.name.startsWith('__#') || property.name.startsWith('#')) continue;
    const declaration = property.valueDeclaration ?? property.declarations?.[0];
    if (declaration && (!isPublic(declaration) || isForeign(declaration))) continue;
    lines.push(...memberText(checker, property, declaration));
  }
  return lines.sort((a, b) => memberName(a).localeCompare(memberName(b), 'en') || a.localeCompare(b, 'en'));
}

/** Declared by the platform or a dependency (what `Error` gives every error class): not Lift's surface. */
function isForeign(declaration: ts.Declaration): boolean {
  return declaration.getSourceFile().fileName.includes('/node_modules/');
}

function memberName(line: string): string {
  return line.trim().replace(/^(static |readonly )+/, '');
}

function isPublic(declaration: ts.Declaration): boolean {
  const modifiers = ts.getCombinedModifierFlags(declaration);
  return (
    (modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) === 0 && !isInternal(declaration)
  );
}

function memberText(
  checker: ts.TypeChecker,
  property: ts.Symbol,
  declaration: ts.Declaration | undefined,
): string[] {
  const type = declaration
    ? checker.getTypeOfSymbolAtLocation(property, declaration)
    : checker.getTypeOfSymbol(property);
  const optional = property.flags & ts.SymbolFlags.Optional ? '?' : '';
  const isMethod =
    declaration !== undefined && (ts.isMethodDeclaration(declaration) || ts.isMethodSignature(declaration));
  if (isMethod) {
    return type
      .getCallSignatures()
      .map((signature) => `  ${property.name}${optional}${signatureText(checker, signature)};`);
  }
  const readonly = declaration && isReadonly(declaration, property) ? 'readonly ' : '';
  const shownType = optional ? checker.getNonNullableType(type) : type;
  return [`  ${readonly}${property.name}${optional}: ${typeText(checker, shownType)};`];
}

/** A `readonly` field, or a getter without a setter. */
function isReadonly(declaration: ts.Declaration, property: ts.Symbol): boolean {
  if (ts.isGetAccessorDeclaration(declaration)) return !(property.flags & ts.SymbolFlags.SetAccessor);
  return (ts.getCombinedModifierFlags(declaration) & ts.ModifierFlags.Readonly) !== 0;
}

/** Rewrites every report; returns the paths that changed. */
export function writeApiReports(): string[] {
  const changed: string[] = [];
  for (const [path, text] of apiReports()) {
    const file = join(REPO, path);
    let before = '';
    try {
      before = readFileSync(file, 'utf8');
    } catch {}
    if (before === text) continue;
    writeFileSync(file, text);
    changed.push(path);
  }
  return changed;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const changed = writeApiReports();
  console.log(changed.length === 0 ? 'API reports up to date.' : `Rewrote ${changed.join(', ')}.`);
}
