import type { LiftApp } from '../app/index.ts';
import { type CliIo, writeLine } from './io.ts';

/**
 * `lift secret reseal`: re-seals every value a previous root secret sealed (MFA secrets, private signing
 * keys, refresh-token successors) with the current `LIFT_SECRET`, so `LIFT_SECRET_PREVIOUS` can be dropped.
 * Idempotent and safe while servers run (docs/operations.md, "Changing the root secret").
 */

export const SECRET_HELP = `Usage: lift secret reseal [--config FILE] [--app MODULE]

  Re-seals every stored sealed value (MFA secrets, signing keys, refresh-token successors) with the current
  root secret (LIFT_SECRET), opening each with LIFT_SECRET or one of LIFT_SECRET_PREVIOUS. Safe to run while
  servers are up, and again. Once it reports nothing left, LIFT_SECRET_PREVIOUS can be removed.
  Exit code: 0 done, 1 when a value opens with none of the configured secrets.`;

/** Runs the re-seal on a started app; prints one line per kind of value and a verdict. */
export async function resealSecrets(app: LiftApp, io: CliIo): Promise<number> {
  const results = await app.resealSecrets();
  let unreadable = 0;
  for (const result of results) {
    const parts = [`${result.resealed} re-sealed`, `${result.current} already current`];
    if (result.changed > 0) parts.push(`${result.changed} replaced meanwhile by a server`);
    if (result.unreadable.length > 0)
      parts.push(`${result.unreadable.length} open with no configured secret`);
    writeLine(io.stdout, `${result.label}: ${parts.join(', ')}`);
    unreadable += result.unreadable.length;
  }
  if (unreadable > 0) {
    writeLine(
      io.stderr,
      `lift: ${unreadable} sealed values open with neither LIFT_SECRET nor LIFT_SECRET_PREVIOUS; add the secret that sealed them to LIFT_SECRET_PREVIOUS and run again`,
    );
    return 1;
  }
  writeLine(
    io.stdout,
    'Every sealed value opens with LIFT_SECRET alone. Remove LIFT_SECRET_PREVIOUS once every server runs with this LIFT_SECRET.',
  );
  return 0;
}
