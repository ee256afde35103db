import { register as registerHooks } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Imports a user's module (`--app`, a config file) and returns its default export. JavaScript is imported as
 * is. TypeScript is compiled by tsx, loaded on first use only, so a JavaScript app never pays for it. The user's
 * `.ts` files (not `.cts`, nothing under node_modules) load as ES modules whatever the project's `type`: compiled to
 * CommonJS in an `npm init` project, their `import '@lift/server'` would become `require()` of an ES module, which
 * fails in a cycle and would load Lift twice.
 */
export async function importDefault(file: string): Promise<unknown> {
  if (TYPESCRIPT.has(path.extname(file))) await enableTypeScript();
  return defaultExport(await import(pathToFileURL(file).href));
}

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);

/**
 * Resolve hook registered after tsx's, so it runs first: a `.ts`/`.tsx` file outside node_modules that tsx
 * would load as CommonJS loads as an ES module instead; tsx's load hook then compiles it to ESM.
 */
const FORCE_ESM_HOOK = `
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  const url = result.url;
  if (url.startsWith('file:') && !url.includes('/node_modules/') && /\\.tsx?(\\?|$)/.test(url) &&
      (result.format === 'commonjs' || result.format === 'commonjs-typescript')) {
    return { ...result, format: 'module' };
  }
  return result;
}`;

let enabling: Promise<void> | undefined;

function enableTypeScript(): Promise<void> {
  enabling ??= (async () => {
    // Running from sources, something already compiles TypeScript (tsx in the repository, Vite in tests).
    if (import.meta.url.endsWith('.ts')) return;
    const tsx = await import('tsx/esm/api');
    tsx.register();
    registerHooks(`data:text/javascript,${encodeURIComponent(FORCE_ESM_HOOK)}`);
  })();
  return enabling;
}

/**
 * The default export; a module compiled to CommonJS with `__esModule` (a `.cts` file, a transpiled `.js`) wraps it
 * once more (`{ default: { __esModule, default } }`); both shapes mean the same default export.
 */
function defaultExport(namespace: unknown): unknown {
  if (!isObjectLike(namespace)) return undefined;
  const outer = namespace.default;
  if (isObjectLike(outer) && outer.__esModule === true && 'default' in outer) return outer.default;
  return outer;
}

function isObjectLike(value: unknown): value is Record<string, unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function');
}
