import {
  createLift,
  type LiftApp,
  type LiftConfig,
  type LiftConfigInput,
  principalOf,
  remoteTokensModule,
  requireAuth,
  requireScope,
} from '@lift/server';
import { z } from 'zod';

/**
 * A resource server: a second service that issues nothing and keeps no users. It accepts the access tokens of
 * another Lift (the issuer, `src/issuer.ts` or the reference notes app), checked against the issuer's JWKS by
 * the remoteTokens module — the only module it has. Configure it with `remoteTokens.issuer` (and
 * `remoteTokens.audience`, which must be the issuer's `tokens.audience`):
 *
 * - `GET /api/me` — who the token says is calling (`requireAuth()`);
 * - `GET /api/reading-list` — the caller's reading list, for tokens with the scope `notes:read`;
 * - `POST /api/reading-list` — adds to it, for tokens with the scope `notes:write`.
 *
 * The reading lists live in memory: this example is about who may call, not about storage.
 */

const entry = z.object({ title: z.string().min(1).max(200), url: z.url().max(2048) });

export function createResourceServer(config: LiftConfigInput | LiftConfig = {}): LiftApp {
  const app = createLift(config, { modules: [remoteTokensModule()] });
  const lists = new Map<string, Array<z.infer<typeof entry>>>();
  const api = app.group('/api', requireAuth());

  api.get('/me', (ctx) => {
    const principal = principalOf(ctx);
    return {
      user_id: principal.userId,
      tenant_id: principal.tenantId ?? null,
      scopes: principal.scopes ?? [],
      amr: principal.amr,
    };
  });

  api.group('/reading-list', requireScope('notes:read')).get('/', (ctx) => ({
    items: lists.get(principalOf(ctx).id) ?? [],
  }));

  api.group('/reading-list', requireScope('notes:write')).post('/', {
    input: { body: entry },
    handler: (ctx, { body }) => {
      const owner = principalOf(ctx).id;
      const items = lists.get(owner) ?? [];
      items.push(body);
      lists.set(owner, items);
      ctx.response.status = 201;
      return { items };
    },
  });

  return app;
}

/** `lift serve --app` calls this with the effective configuration. */
export default (config: LiftConfig): LiftApp => createResourceServer(config);
