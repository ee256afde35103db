import { z } from 'zod';
import type { DescribedRoute } from '../core/route-registry.ts';
import { type JsonSchema, SchemaComponents } from './json-schema.ts';
import { type OperationContext, openApiPath, operationOf } from './operation.ts';
import { type CatalogueEntry, problemResponses, problemSchemas } from './problems.ts';
import { type OpenApiAuth, securitySchemes } from './security.ts';

/**
 * The OpenAPI 3.1 document of an app, built from its route registry (core/route-registry.ts): every route —
 * Lift's own and the app's — is an operation; typed routes bring their zod schemas as JSON Schema, and every
 * route its guards as security requirements and refusals. Errors are described once, as problem+json with the
 * app's catalogue of codes (problems.ts).
 */

export interface OpenApiDocumentOptions {
  routes: readonly DescribedRoute[];
  /** The app's error catalogue (`app.errors`). */
  errors: readonly CatalogueEntry[];
  auth: OpenApiAuth;
  info: { title: string; version: string; description?: string };
  /** Base URLs the API is served from (`auth.publicUrl`). */
  servers?: readonly string[];
}

export type OpenApiDocument = {
  openapi: '3.1.0';
  info: OpenApiDocumentOptions['info'];
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, JsonSchema>>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, JsonSchema>;
    securitySchemes: Record<string, JsonSchema>;
  };
};

/** The document as a schema, for the route that serves it: its outline, the rest being OpenAPI's own. */
export const openApiDocumentBody = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.record(z.string(), z.json())),
  components: z.record(z.string(), z.json()),
});

/** `all()` routes answer every method; the document lists the ones a client would call. */
const ALL_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function methodsOf(route: DescribedRoute): readonly string[] {
  return route.method === 'ALL' ? ALL_METHODS : [route.method.toLowerCase()];
}

export function buildOpenApiDocument(options: OpenApiDocumentOptions): OpenApiDocument {
  const responses = problemResponses(options.errors);
  const schemes = securitySchemes(options.auth);
  const components = new SchemaComponents();
  const context: OperationContext = {
    components,
    schemes: Object.keys(schemes),
    problemStatuses: new Set(options.errors.map(({ status }) => status)),
  };
  const paths: OpenApiDocument['paths'] = {};
  for (const route of options.routes) {
    const path = openApiPath(route.path);
    const item = paths[path] ?? {};
    paths[path] = item;
    // A method registered twice on one path answers with the first registration, as Hono does.
    for (const method of methodsOf(route)) {
      if (item[method] === undefined) item[method] = operationOf(route, method, context);
    }
  }
  return {
    openapi: '3.1.0',
    info: options.info,
    ...(options.servers && options.servers.length > 0
      ? { servers: options.servers.map((url) => ({ url })) }
      : {}),
    paths,
    components: {
      schemas: { ...components.schemas, ...problemSchemas(options.errors) },
      responses,
      securitySchemes: schemes,
    },
  };
}
