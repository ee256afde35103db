import { principalOf } from '../../core/authenticate.ts';
import type { Context } from '../../core/context.ts';
import { requestOrigin } from '../../sessions/index.ts';
import type { AdminActor } from '../admin/delegation.ts';

/** The authenticated caller of a roles or grants endpoint, with the request facts its events carry. */
export function actorOf(ctx: Context): AdminActor {
  return { principal: principalOf(ctx.raw), origin: requestOrigin(ctx.raw) };
}
