import { buildOpenApiDocument, type OpenApiDocument, openApiDocumentBody } from '../openapi/index.ts';
import { sessionCookieSettings } from '../sessions/index.ts';
import type { LiftApp } from './create-lift.ts';

/**
 * Composition of the OpenAPI document (openapi/): the composition root is the one place that knows the app's
 * routes, its error catalogue and its authentication chain together, so the document is assembled here and
 * served by a route of the app itself.
 */

/** The app's OpenAPI 3.1 document, as of now (routes registered later are in the next one). */
export function openApiDocumentOf(app: LiftApp): OpenApiDocument {
  const { config } = app;
  const resolvers = app.authenticator.names;
  return buildOpenApiDocument({
    routes: app.routes.describe(),
    errors: app.errors,
    auth: {
      ...(resolvers.includes('session') ? { sessionCookie: sessionCookieSettings(config).name } : {}),
      bearer: resolvers.includes('bearer'),
    },
    info: {
      title: config.openapi.title ?? config.auth.appName,
      version: config.openapi.version,
    },
    ...(config.auth.publicUrl === undefined ? {} : { servers: [config.auth.publicUrl] }),
  });
}

/** Whether `GET openapi.path` is served: `openapi.enabled`, by default everywhere but production. */
export function servesOpenApi(app: LiftApp): boolean {
  return app.config.openapi.enabled ?? app.config.env !== 'production';
}

/**
 * Mounts `GET openapi.path` when enabled. The document is built on the first request, after the app has
 * registered its routes, and again only when routes were added since.
 */
export function mountOpenApi(app: LiftApp): void {
  if (!servesOpenApi(app)) return;
  let built: { routes: number; body: string } | undefined;
  app.get(app.config.openapi.path, {
    output: openApiDocumentBody,
    handler: () => {
      const routes = app.routes.records.length;
      if (built?.routes !== routes) built = { routes, body: JSON.stringify(openApiDocumentOf(app)) };
      return new Response(built.body, {
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' },
      });
    },
  });
}
