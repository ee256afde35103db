/**
 * The OpenAPI module: the app's OpenAPI 3.1 document from its route registry (README.md). The composition root
 * serves it at `GET /openapi.json` (config section `openapi`) and `lift openapi` prints it.
 */
export {
  buildOpenApiDocument,
  type OpenApiDocument,
  type OpenApiDocumentOptions,
  openApiDocumentBody,
} from './document.ts';
export { type JsonSchema, jsonSchemaOf } from './json-schema.ts';
export { openApiPath, operationIdOf } from './operation.ts';
export type { CatalogueEntry } from './problems.ts';
export type { OpenApiAuth } from './security.ts';
