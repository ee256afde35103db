/**
 * Second step of `npm run build`: tsc has written dist/ (one .js per source file, the .d.ts files the package's
 * types come from); this joins the JavaScript of each entry point into one file per entry plus shared chunks, so
 * `import('@lift/server')` reads a handful of files instead of ~300 (about half the import time and 8 MB less
 * memory here; test/package/tarball.test.ts holds the limits). Dependencies stay external. The .d.ts files are
 * kept as tsc wrote them; the per-file .js files are removed, so the package ships only what runs.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const staging = join(dist, '..', 'dist-bundle');
/** The package's entry points (package.json `exports` and the `#lift-cli` import the bin uses). */
const ENTRIES = ['index.js', 'http.js', 'modules.js', 'testing.js', 'cli/main.js'];

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

rmSync(staging, { recursive: true, force: true });
await build({
  entryPoints: ENTRIES.map((entry) => join(dist, entry)),
  outdir: staging,
  outbase: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
for (const file of walk(dist)) {
  if (file.endsWith('.js') || file.endsWith('.js.map')) rmSync(file);
}
for (const file of walk(staging)) {
  const target = join(dist, relative(staging, file));
  mkdirSync(dirname(target), { recursive: true });
  renameSync(file, target);
}
rmSync(staging, { recursive: true, force: true });
