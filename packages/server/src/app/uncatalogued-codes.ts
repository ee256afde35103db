import type { Logger } from 'pino';
import type { LiftError } from '../core/errors.ts';
import type { ErrorCatalogEntry } from './lift-errors.ts';

/** How many distinct uncatalogued code/status pairs are remembered (and warned about) per process. */
const REMEMBERED = 100;

/**
 * The run-time half of closed error codes: the catalogue (`app.errors`, docs/errors.md) is checked at build time
 * for what modules declare; this catches an answer with a code/status pair nobody declared (a module throwing a
 * code it forgot to list, an app reusing a code with another status). The answer goes out unchanged; the pair is
 * counted in `app.stats.uncataloguedErrors` and logged once, so a client-visible contract drift shows in the logs.
 */
export function uncataloguedCodeWatch(
  catalog: readonly ErrorCatalogEntry[],
  log: Logger,
  onCount: () => void,
): (problem: LiftError) => void {
  const known = new Set(catalog.map(({ code, status }) => `${code} ${status}`));
  const warned = new Set<string>();
  return (problem) => {
    const key = `${problem.code} ${problem.status}`;
    if (known.has(key)) return;
    onCount();
    if (warned.has(key) || warned.size >= REMEMBERED) return;
    warned.add(key);
    log.warn(
      { errorCode: problem.code, status: problem.status },
      'answered with an error code the app does not declare (add it to the module’s error-codes.ts or createLift({ errors }))',
    );
  };
}
