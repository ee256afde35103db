import { z } from 'zod';
import { principalOf, requireAuth } from '../core/authenticate.ts';
import type { Context } from '../core/context.ts';
import type { EventPublisher } from '../core/events.ts';
import type { PermissionGuard } from '../core/module.ts';
import type { RouteGroup } from '../core/routes.ts';
import { requestOrigin } from '../sessions/index.ts';
import {
  introspectionBody,
  jwksBody,
  keyRotatedBody,
  openIdConfigurationBody,
  revokedBody,
  tokenPairBody,
} from './responses.ts';
import type { Tokens } from './tokens.ts';

/**
 * The permissions the admin endpoints check. Tokens names them itself rather than importing access, which
 * declares them in its catalog (`LIFT_PERMISSIONS`); a guard on an undeclared one fails the boot.
 */
const ADMIN_PERMISSIONS = {
  tokensIntrospect: 'tokens:introspect',
  keysRotate: 'keys:rotate',
} as const;

/**
 * The token endpoints: discovery (`/.well-known/jwks.json`, `/.well-known/openid-configuration`), refresh
 * (`POST /auth/token`, RFC 6749 §6), revocation (`POST /auth/revoke`, RFC 7009) and introspection
 * (`POST /auth/introspect`, RFC 7662, for admins). Bodies may be form-encoded (as OAuth clients send them) or
 * JSON.
 */

const token = z.string().min(1).max(8192);

function noStore(ctx: Context): void {
  ctx.response.headers.set('cache-control', 'no-store');
}

export interface TokenRoutesOptions {
  tokens: Tokens;
  events: EventPublisher;
  /** `auth.prefix`: where `/token`, `/revoke` and `/introspect` live. */
  prefix: string;
  /** `auth.adminPrefix`: where `/keys/rotate` lives. */
  adminPrefix: string;
  /** The global-permission guard (the access module's); without one the admin endpoints are not mounted. */
  permit: PermissionGuard | undefined;
}

export function registerTokenRoutes(app: RouteGroup, options: TokenRoutesOptions): void {
  registerDiscoveryRoutes(app, options);
  registerGrantRoutes(app, options);
  registerAdminRoutes(app, options);
}

/** `/.well-known/jwks.json` and `/.well-known/openid-configuration`. */
function registerDiscoveryRoutes(app: RouteGroup, options: TokenRoutesOptions): void {
  const { tokens, prefix } = options;
  const tokensOf = () => tokens;
  // Keys and introspection results are typed loosely (`JsonWebKey`, claims): `responses` describes them without
  // typing the handler's return, and the check outside production still holds each answer to the schema.
  app.get('/.well-known/jwks.json', {
    responses: { 200: jwksBody },
    handler: (ctx) => {
      // Caches may keep it a few minutes: a new key is published before it signs (rotation keeps the old one
      // verifying for a token lifetime), so a stale copy still verifies everything in circulation.
      ctx.response.headers.set('cache-control', 'public, max-age=300');
      return tokensOf().keys.jwks();
    },
  });

  app.get('/.well-known/openid-configuration', {
    output: openIdConfigurationBody,
    handler: (ctx) => {
      ctx.response.headers.set('cache-control', 'public, max-age=3600');
      const tokens = tokensOf();
      const base = tokens.issuer;
      const auth = prefix.replace(/\/+$/, '');
      return {
        issuer: tokens.issuer,
        jwks_uri: `${base}/.well-known/jwks.json`,
        token_endpoint: `${base}${auth}/token`,
        revocation_endpoint: `${base}${auth}/revoke`,
        introspection_endpoint: `${base}${auth}/introspect`,
        grant_types_supported: ['refresh_token'],
        response_types_supported: [],
        token_endpoint_auth_methods_supported: ['none'],
        revocation_endpoint_auth_methods_supported: ['none'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: [],
        dpop_signing_alg_values_supported: ['EdDSA', 'ES256', 'RS256', 'PS256'],
      };
    },
  });
}

/** `POST /auth/token` (refresh) and `POST /auth/revoke`. */
function registerGrantRoutes(app: RouteGroup, options: TokenRoutesOptions): void {
  const { tokens, prefix } = options;
  const tokensOf = () => tokens;
  const auth = app.group(prefix);

  auth.post('/token', {
    input: {
      body: z.object({ grant_type: z.literal('refresh_token'), refresh_token: token }),
    },
    output: tokenPairBody,
    handler: async (ctx, { body }) => {
      noStore(ctx);
      const jkt = await tokensOf().dpopThumbprint(ctx.raw);
      const pair = await tokensOf().refresh(body.refresh_token, requestOrigin(ctx.raw), jkt);
      tokensOf().setAccessCookie(ctx.response.headers, pair);
      return pair;
    },
  });

  auth.post('/revoke', {
    input: {
      body: z.object({
        token,
        token_type_hint: z.enum(['access_token', 'refresh_token']).optional(),
      }),
    },
    output: revokedBody,
    handler: async (ctx, { body }) => {
      noStore(ctx);
      await tokensOf().revoke(body.token, body.token_type_hint, requestOrigin(ctx.raw));
      tokensOf().clearAccessCookie(ctx.response.headers);
      // RFC 7009 §2.2: 200 whether or not the token was known.
      return {};
    },
  });
}

/** `POST /auth/introspect` and `POST /admin/api/keys/rotate`, behind the access module's permission guard. */
function registerAdminRoutes(app: RouteGroup, options: TokenRoutesOptions): void {
  const { tokens, events, prefix, adminPrefix, permit } = options;
  const tokensOf = () => tokens;
  if (permit === undefined) return;
  const admin = app.group(prefix, requireAuth(), permit(ADMIN_PERMISSIONS.tokensIntrospect));
  admin.post('/introspect', {
    input: { body: z.object({ token, token_type_hint: z.string().max(50).optional() }) },
    responses: { 200: introspectionBody },
    handler: async (ctx, { body }) => {
      noStore(ctx);
      const result = await tokensOf().introspect(body.token);
      events.emit('token.introspected', {
        actor: principalOf(ctx.raw).id,
        ...requestOrigin(ctx.raw),
        data: { active: result.active === true },
      });
      return result;
    },
  });

  const keysAdmin = app.group(adminPrefix, requireAuth(), permit(ADMIN_PERMISSIONS.keysRotate));
  keysAdmin.post('/keys/rotate', {
    responses: { 200: keyRotatedBody },
    handler: async (ctx) => {
      // `key.rotated` is written in the transaction that activates the new key.
      const rotated = await events.change<{ kid: string }>(
        (announce) => tokensOf().keys.rotate({ announce }),
        ({ kid }) => [
          {
            type: 'key.rotated',
            payload: { actor: principalOf(ctx.raw).id, ...requestOrigin(ctx.raw), data: { kid } },
          },
        ],
      );
      return { kid: rotated.kid, jwks: tokensOf().keys.jwks() };
    },
  });
}
