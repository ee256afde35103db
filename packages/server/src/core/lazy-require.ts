import { createRequire } from 'node:module';

const requireFromLift = createRequire(import.meta.url);

/**
 * A heavy dependency loaded on first use instead of at import time (argon2's native binding, zxcvbn's
 * dictionaries, the PostgreSQL and Redis clients, the QR encoder), so importing `@lift/server` stays cheap and an
 * app that never hashes a password or opens PostgreSQL never loads them. Each of these packages ships CommonJS,
 * so the first use loads it synchronously and the functions that use it keep their synchronous signatures.
 */
export function lazyRequire<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= requireFromLift(specifier) as T;
    return loaded;
  };
}
