import { checkAccess, resolveSubject, resolveTenant } from '../access/index.ts';
import type { LiftApp } from '../app/index.ts';
import { LiftError } from '../core/errors.ts';
import { type CliIo, writeLine } from './io.ts';

/**
 * `lift access check --user <id or email> --permission <p> [--tenant <id or slug>]`: whether the user holds
 * the permission (in the tenant, or through global grants alone) and the chain grant → role → … →
 * permission. Exit code 0 allowed, 1 denied, 2 for input the check cannot use (unknown user or tenant,
 * malformed permission).
 */

export interface AccessCheckArgs {
  user: string;
  permission: string;
  tenant?: string;
}

export const ACCESS_ALLOWED = 0;
export const ACCESS_DENIED = 1;
export const ACCESS_USAGE = 2;

/** Runs the check on a started app; prints to stdout, or one `lift: …` line on stderr for bad input. */
export async function accessCheck(app: LiftApp, io: CliIo, args: AccessCheckArgs): Promise<number> {
  let result: Awaited<ReturnType<typeof checkAccess>>;
  try {
    const subject = await resolveSubject(app.module('identity').directory, args.user);
    const tenant = args.tenant === undefined ? null : await resolveTenant(app.module('access'), args.tenant);
    result = await checkAccess(app.module('access'), subject, args.permission, tenant);
  } catch (error) {
    if (!(error instanceof LiftError) || error.status !== 400) throw error;
    writeLine(io.stderr, `lift: ${inputProblem(error, args)}`);
    return ACCESS_USAGE;
  }
  const who = `${result.subject.type}:${result.subject.id}`;
  const where = result.tenant === null ? 'globally' : `in tenant ${result.tenant.slug} (${result.tenant.id})`;
  if (!result.allowed) {
    writeLine(io.stdout, `denied: ${who} does not hold ${result.permission} ${where}`);
    return ACCESS_DENIED;
  }
  writeLine(io.stdout, `allowed: ${who} holds ${result.permission} ${where}`);
  for (const step of result.via) writeLine(io.stdout, `  ${step}`);
  return ACCESS_ALLOWED;
}

/** The one line for a refused input, naming the flag it came from. */
function inputProblem(error: LiftError, args: AccessCheckArgs): string {
  const issues = (error.extensions.errors ?? []) as Array<{ path: string; message: string }>;
  const issue = issues[0];
  if (issue?.path.startsWith('subject')) return `--user ${args.user}: ${issue.message}`;
  if (issue?.path === 'tenant') return `--tenant ${args.tenant}: ${issue.message}`;
  return (error.detail ?? error.message).replace(/\s*\n\s*/g, '; ');
}
