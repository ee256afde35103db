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
];

export interface ImportCost {
  ms: number;
  rssMb: number;
  loaded: string[];
}

export function importProbe(entry: string): string {
  return `
import { createRequire } from 'node:module';
const started = performance.now();
await import(${JSON.stringify(entry)});
const ms = performance.now() - started;
const heavy = ${JSON.stringify(HEAVY_DEPENDENCIES)};
const files = Object.keys(createRequire(import.meta.url).cache);
const loaded = heavy.filter((name) => files.some((file) => file.includes('/node_modules/' + name + '/')));
console.log(JSON.stringify({ ms: Math.round(ms), rssMb: Math.round(process.memoryUsage().rss / 1048576), loaded }));
`;
}

export function parseImportCost(stdout: string): ImportCost {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as ImportCost;
}
