import type { Logger } from 'pino';
import { z } from 'zod';
import { principalOf, requireAuth } from '../core/authenticate.ts';
import type { Context } from '../core/context.ts';
import { LiftError } from '../core/errors.ts';
import type { EventPublisher } from '../core/events.ts';
import { LOG_LEVELS, type LogLevels } from '../core/log-levels.ts';
import type { PermissionGuard } from '../core/module.ts';
import { requestHeader } from '../core/request-headers.ts';
import type { RouteGroup } from '../core/routes.ts';
import type {} from './events.ts';

/**
 * `GET <adminPrefix>/log-levels` lists each named logger (`http` and one per module) with its level, for holders
 * of the global `logs:read`; `PUT <adminPrefix>/log-levels/:module {"level": "debug"}` changes one at run time,
 * for holders of the global `logs:write`. A change is audited: a `log.level_changed` event naming the admin,
 * the logger and both levels, and a `warn` line. The change holds in this process only, until it restarts.
 */

/** Lift's own permissions (declared by access, `LIFT_PERMISSIONS`); named here, as identity names its own. */
const LOG_PERMISSIONS = { read: 'logs:read', write: 'logs:write' } as const;

export class LogModuleUnknownError extends LiftError {
  constructor(name: string, known: readonly string[]) {
    super('LIFT_LOG_MODULE_UNKNOWN', 404, 'No such logger', {
      detail: `This app has no logger named "${name}"; it has ${known.join(', ')}.`,
    });
  }
}

export interface LogLevelRouteDeps {
  levels: LogLevels;
  /** The global-permission guard (the access module's `globalPermission` capability). */
  permit: PermissionGuard;
  events: Pick<EventPublisher, 'emit'>;
  /** Where the `warn` line of a change goes (the app's logger; written at any level it is set to). */
  log: Logger;
  /** Where the routes live: `auth.adminPrefix`. */
  prefix: string;
}

const level = z.enum(LOG_LEVELS);
const loggerLevel = z.object({ name: z.string(), level });
const levelList = z.object({ loggers: z.array(loggerLevel) });
const levelChange = z.object({ name: z.string(), level, previous: level });

export function registerLogLevelRoutes(group: RouteGroup, deps: LogLevelRouteDeps): void {
  const { levels, permit, events, prefix } = deps;
  // The audit line is written whatever level the app's logger is turned to (even by this very change): the
  // child gets a level of its own (set on it: pino's `child(…, { level })` skips one equal to the parent's).
  const audit = deps.log.child({});
  audit.level = 'warn';
  const readers = group.group(prefix, requireAuth(), permit(LOG_PERMISSIONS.read));
  const writers = group.group(prefix, requireAuth(), permit(LOG_PERMISSIONS.write));

  readers.get('/log-levels', {
    output: levelList,
    handler: () => ({ loggers: levels.list() }),
  });

  writers.put('/log-levels/:module', {
    input: { body: z.object({ level }) },
    output: levelChange,
    handler: (ctx, { body }) => {
      const name = ctx.params.module ?? '';
      const changed = levels.set(name, body.level);
      if (changed === undefined) {
        throw new LogModuleUnknownError(
          name,
          levels.list().map((entry) => entry.name),
        );
      }
      const actor = principalOf(ctx).id;
      const { from, to } = changed;
      audit.warn({ module: name, from, to, actor, request_id: ctx.requestId }, 'log level changed');
      events.emit('log.level_changed', { actor, data: { module: name, from, to }, ...origin(ctx) });
      return { name, level: to, previous: from };
    },
  });
}

function origin(ctx: Context) {
  return {
    ip: ctx.clientIp,
    userAgent: requestHeader(ctx.raw, 'user-agent') ?? null,
    requestId: ctx.requestId,
  };
}
