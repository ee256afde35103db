import type { MiddlewareFact } from '../core/route-registry.ts';
import type { JsonSchema } from './json-schema.ts';

/**
 * Security schemes, from the app's authentication chain (core/authenticate.ts): the `session` resolver is the
 * session cookie, `bearer` is an access token in `Authorization: Bearer` or, bound to a key, `Authorization:
 * DPoP` with a `DPoP` proof (RFC 9449). A route's requirement comes from its guards: `requireAuth()` accepts any
 * scheme of the chain, `optionalAuth()` also none.
 */

export interface OpenApiAuth {
  /** The session cookie's name, when the app has the `session` resolver. */
  sessionCookie?: string;
  /** Whether the app has the `bearer` resolver (the tokens or remoteTokens module). */
  bearer?: boolean;
}

export function securitySchemes(auth: OpenApiAuth): Record<string, JsonSchema> {
  const schemes: Record<string, JsonSchema> = {};
  if (auth.sessionCookie !== undefined) {
    schemes.sessionCookie = {
      type: 'apiKey',
      in: 'cookie',
      name: auth.sessionCookie,
      description:
        'The session cookie set by a login. State-changing requests also need an allowed Origin (CSRF check).',
    };
  }
  if (auth.bearer === true) {
    schemes.bearerAuth = {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'An access token from a token login or POST /auth/token.',
    };
    schemes.dpop = {
      type: 'http',
      scheme: 'DPoP',
      description:
        'A DPoP-bound access token (RFC 9449): Authorization: DPoP <token>, with a DPoP proof header per request.',
    };
  }
  return schemes;
}

/**
 * The `security` of an operation: undefined when no guard authenticates, the alternatives of the app's
 * schemes under `requireAuth()`, plus `{}` (anonymous) under `optionalAuth()`.
 */
export function securityOf(
  guards: readonly MiddlewareFact[],
  schemes: readonly string[],
): Array<Record<string, string[]>> | undefined {
  const auth = guards.find((fact) => fact.kind === 'auth');
  if (auth === undefined) return undefined;
  // OpenAPI 3.1 lets a non-OAuth requirement name what it needs: the scopes a token must grant.
  const scopes = guards.flatMap((fact) => (fact.kind === 'scope' ? fact.scopes : []));
  const alternatives = schemes.map((name) => ({ [name]: name === 'sessionCookie' ? [] : [...scopes] }));
  return auth.required ? alternatives : [...alternatives, {}];
}

/** What the guards after authentication require, in words and as `x-lift-*` extensions. */
export function guardNotes(guards: readonly MiddlewareFact[]): { lines: string[]; extensions: JsonSchema } {
  const lines: string[] = [];
  const permissions: string[] = [];
  const signed: JsonSchema = {};
  const limited: string[] = [];
  for (const fact of guards) {
    if (fact.kind === 'rateLimit') {
      limited.push(...fact.policies);
      lines.push(
        `Rate limited: ${fact.policies.map((item) => `\`${item}\``).join(', ')} (\`RateLimit-Policy\` items; 429 with \`Retry-After\` when spent).`,
      );
    }
    if (fact.kind === 'idempotency') {
      lines.push(
        `${fact.methods.join(' and ')} with an \`Idempotency-Key\` replay the first completed answer; 409 while it runs, 422 when the key is reused for another request.`,
      );
    }
    if (fact.kind === 'signature') {
      signed['x-lift-signature'] = { components: fact.components };
      lines.push(
        `Needs an HTTP message signature (RFC 9421) covering ${fact.components.join(' ')} (docs/traffic.md).`,
      );
    }
    if (fact.kind === 'permission') {
      permissions.push(fact.permission);
      lines.push(
        `Needs the permission \`${fact.permission}\`${fact.global ? ' (global grants only)' : ' in the active tenant'}.`,
      );
    } else if (fact.kind === 'tenantMember') lines.push('Needs membership of the active tenant.');
    else if (fact.kind === 'scope')
      lines.push(
        `A token needs the scopes ${fact.scopes.map((s) => `\`${s}\``).join(', ')} (a session passes).`,
      );
    else if (fact.kind === 'role')
      lines.push(`Needs one of the roles ${fact.roles.map((r) => `\`${r}\``).join(', ')}.`);
  }
  return {
    lines,
    extensions: {
      ...signed,
      ...(permissions.length > 0 ? { 'x-lift-permissions': permissions } : {}),
      ...(limited.length > 0 ? { 'x-lift-rate-limit': limited } : {}),
    },
  };
}

/** Middleware that never answers 403: authentication (401), signatures (401/429), limits (429, 409, 422). */
const NEVER_FORBIDS = new Set<MiddlewareFact['kind']>(['auth', 'signature', 'rateLimit', 'idempotency']);

/** Whether any guard may refuse an authenticated caller (403). */
export function mayForbid(guards: readonly MiddlewareFact[]): boolean {
  return guards.some((fact) => !NEVER_FORBIDS.has(fact.kind));
}
