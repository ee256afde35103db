import type * as KyselyPackage from 'kysely';
import { lazyRequire } from '../../core/lazy-require.ts';

/**
 * Kysely, loaded on first use. Its ESM build is ~260 files and costs more than the rest of `@lift/server`
 * together at import time, so Lift's SQL code takes its values from here: `sql` is a stand-in that loads Kysely
 * on its first call, and `kysely()` gives the package for constructors (`Kysely`, dialects, `Migrator`).
 *
 * The first use loads Kysely's CommonJS build. An app that imports `kysely` itself gets the ESM build beside it;
 * Kysely recognises query parts by shape, not class, so an app's `sql` fragments work on `app.storage.sql.db`.
 * (`instanceof` against a Kysely class exported by the app's own copy does not; nothing in Lift relies on it.)
 */
export const kysely: () => typeof KyselyPackage = lazyRequire<typeof KyselyPackage>('kysely');

type SqlTag = typeof KyselyPackage.sql;

const boundHelpers = new Map<PropertyKey, unknown>();

function helper(name: PropertyKey): unknown {
  const real = kysely().sql as unknown as Record<PropertyKey, unknown>;
  const value = real[name];
  if (typeof value !== 'function') return value;
  let bound = boundHelpers.get(name);
  if (bound === undefined) {
    // Kysely's helpers call each other through `this` (`sql.lit` calls `this.val`).
    bound = (value as (...args: unknown[]) => unknown).bind(real);
    boundHelpers.set(name, bound);
  }
  return bound;
}

/** Kysely's `sql` tag and its helpers (`sql.ref`, `sql.raw`, `sql.join`, …), loading Kysely on first use. */
export const sql: SqlTag = new Proxy(function lazySql() {} as unknown as SqlTag, {
  apply: (_target, _this, args: unknown[]) =>
    (kysely().sql as unknown as (...a: unknown[]) => unknown)(...args),
  get: (_target, name) => helper(name),
}) as SqlTag;
