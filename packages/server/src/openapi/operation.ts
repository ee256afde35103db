import type { ResponseBody } from '../core/handler.ts';
import type { DescribedRoute, MiddlewareFact } from '../core/route-registry.ts';
import {
  type JsonSchema,
  jsonSchemaOf,
  type OpenApiParameter,
  parametersOf,
  type SchemaComponents,
} from './json-schema.ts';
import { problemResponseName } from './problems.ts';
import { guardNotes, mayForbid, securityOf } from './security.ts';

/** One route → one OpenAPI operation (and the OpenAPI form of its path). */

const JSON_MEDIA_TYPE = 'application/json';

/** Hono's `/tenants/:tenantId/notes/:id{[0-9]+}` → OpenAPI's `/tenants/{tenantId}/notes/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?\??/g, '{$1}');
}

function pathParameterNames(path: string): string[] {
  return [...openApiPath(path).matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');
}

/** `get /tenants/{tenantId}/notes` → `getTenantsTenantIdNotes`. */
export function operationIdOf(method: string, path: string): string {
  const words = openApiPath(path)
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 0);
  return method.toLowerCase() + words.map((word) => word[0]?.toUpperCase() + word.slice(1)).join('');
}

/** Path parameters from the `params` schema; a templated name the schema leaves out is a plain string. */
function parameters(route: DescribedRoute, components: SchemaComponents): OpenApiParameter[] {
  const declared = route.input.params ? parametersOf(route.input.params, 'path', components) : [];
  const named = new Set(declared.map(({ name }) => name));
  const path = pathParameterNames(route.path)
    .filter((name) => !named.has(name))
    .map((name): OpenApiParameter => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  const inPath = new Set(pathParameterNames(route.path));
  return [
    ...declared.filter(({ name }) => inPath.has(name)),
    ...path,
    ...(route.input.query ? parametersOf(route.input.query, 'query', components) : []),
    ...(idempotencyOf(route) === undefined ? [] : [IDEMPOTENCY_KEY_PARAMETER]),
  ];
}

/** The route's `idempotency()` when its method is one the key applies to. */
function idempotencyOf(route: DescribedRoute): MiddlewareFact | undefined {
  return route.guards.find((fact) => fact.kind === 'idempotency' && fact.methods.includes(route.method));
}

const IDEMPOTENCY_KEY_PARAMETER: OpenApiParameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'A retry with the same key and the same request gets the first completed answer again (per caller, 24 h by default).',
  schema: { type: 'string', minLength: 1, maxLength: 255 },
};

function successResponses(route: DescribedRoute, components: SchemaComponents): Record<string, JsonSchema> {
  const entries = Object.entries(route.responses);
  if (entries.length === 0) return { '2XX': { description: 'Success (the body is not described).' } };
  const responses: Record<string, JsonSchema> = {};
  for (const [status, declared] of entries) {
    if (declared === null) {
      responses[status] = { description: 'Success, no body.' };
      continue;
    }
    const bodies: readonly ResponseBody[] = Array.isArray(declared) ? declared : [declared as ResponseBody];
    const content: Record<string, JsonSchema> = {};
    const lines = [Number(status) < 400 ? 'Success.' : 'The answer for this status.'];
    for (const body of bodies) {
      if ('mediaType' in body) {
        content[body.mediaType] = { schema: { type: 'string' } };
        lines.push(body.description);
      } else content[JSON_MEDIA_TYPE] = { schema: jsonSchemaOf(body, components) };
    }
    responses[status] = { description: lines.join(' '), content };
  }
  return responses;
}

/** The problem statuses this route can answer with, as its guards and input say. */
function problemStatuses(route: DescribedRoute): number[] {
  const statuses: number[] = [];
  const { body, query, params } = route.input;
  if (body || query || params) statuses.push(400);
  if (route.guards.some((fact) => (fact.kind === 'auth' && fact.required) || fact.kind === 'signature')) {
    statuses.push(401);
  }
  if (mayForbid(route.guards)) statuses.push(403);
  if (pathParameterNames(route.path).length > 0) statuses.push(404);
  if (idempotencyOf(route) !== undefined) statuses.push(409);
  if (body) statuses.push(413, 415);
  if (idempotencyOf(route) !== undefined) statuses.push(422);
  // A rate limit when spent; a signature after too many failures from the address.
  if (route.guards.some((fact) => fact.kind === 'rateLimit' || fact.kind === 'signature')) statuses.push(429);
  return statuses.sort((a, b) => a - b);
}

export interface OperationContext {
  /** Names of the app's security schemes. */
  schemes: readonly string[];
  /** Statuses the catalogue has a `Problem<status>` response for. */
  problemStatuses: ReadonlySet<number>;
  /** Where definitions shared by schemas go (`components.schemas`). */
  components: SchemaComponents;
}

export function operationOf(route: DescribedRoute, method: string, context: OperationContext): JsonSchema {
  const responses: Record<string, JsonSchema> = successResponses(route, context.components);
  for (const status of problemStatuses(route)) {
    if (context.problemStatuses.has(status))
      responses[String(status)] = { $ref: `#/components/responses/${problemResponseName(status)}` };
  }
  responses.default = { $ref: '#/components/responses/ProblemDefault' };
  const { lines, extensions } = guardNotes(route.guards);
  const description = [route.description, ...lines].filter((line) => line !== undefined).join('\n\n');
  const security = securityOf(route.guards, context.schemes);
  const list = parameters(route, context.components);
  const body = route.input.body;
  return {
    operationId: operationIdOf(method, route.path),
    ...(route.summary === undefined ? {} : { summary: route.summary }),
    ...(description === '' ? {} : { description }),
    tags: [tagOf(route.path)],
    ...(list.length > 0 ? { parameters: list } : {}),
    ...(body
      ? {
          requestBody: {
            required: true,
            content: { [JSON_MEDIA_TYPE]: { schema: jsonSchemaOf(body, context.components) } },
          },
        }
      : {}),
    responses,
    ...(security === undefined ? {} : { security }),
    ...extensions,
  };
}

/** The first literal segment of a path (`auth`, `tenants`, `admin`), grouping operations. */
function tagOf(path: string): string {
  const first = path.split('/').find((segment) => segment.length > 0 && !segment.startsWith(':'));
  return first ?? 'root';
}
