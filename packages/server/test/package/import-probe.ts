/**
 * What importing `@lift/server` costs, measured in a fresh `node` process: milliseconds, resident memory, and
 * which of the heavy dependencies got loaded. The probe prints one JSON line; `entry` is what it imports.
 */
export const HEAVY_DEPENDENCIES = [
  '@node-rs/argon2',
  '@zxcvbn-ts/core',
  'pg',
  'ioredis',
  'better-sqlite3',
  'qrcode',
  'kysely',
  '@opentelemetry/api',
  '@opentelemetry/sdk-trace',
  '@opentelemetry/exporter-trace-otlp-http',
];

export interface ImportCost {
  ms: number;
  rssMb: number;
  loaded: string[];
}

/**
 * The probe sees CommonJS loads in `require.cache` and ESM loads through a resolve hook that posts every resolved
 * URL back to the main thread (hooks run on their own thread), so an ESM package imported eagerly is caught too.
 * The hook's thread costs time and memory, so a measurement of those runs with `watchEsm: false`.
 */
export function importProbe(entry: string, options: { watchEsm?: boolean } = {}): string {
  const watchEsm = options.watchEsm ?? true;
  const hook = `let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  port.postMessage(result.url);
  return result;
}`;
  return `
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const resolved = [];
port1.on('message', (url) => resolved.push(url));
if (${watchEsm}) {
  register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}), {
    data: { port: port2 },
    transferList: [port2],
  });
}
const started = performance.now();
await import(${JSON.stringify(entry)});
const ms = performance.now() - started;
await new Promise((resolve) => setTimeout(resolve, 50));
port1.close();
const heavy = ${JSON.stringify(HEAVY_DEPENDENCIES)};
const files = [...Object.keys(createRequire(import.meta.url).cache), ...resolved];
const loaded = heavy.filter((name) => files.some((file) => file.includes('/node_modules/' + name + '/')));
console.log(JSON.stringify({ ms: Math.round(ms), rssMb: Math.round(process.memoryUsage().rss / 1048576), loaded }));
`;
}

export function parseImportCost(stdout: string): ImportCost {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as ImportCost;
}
