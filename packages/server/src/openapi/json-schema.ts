import { z } from 'zod';

/**
 * zod → JSON Schema 2020-12 (the dialect OpenAPI 3.1 uses), with zod's own converter. Every schema is converted
 * on its input side: nothing Lift sends is parsed on the way out, and what a client sends is what a schema
 * accepts before its defaults and transforms. What JSON Schema cannot say (a refinement, a transform's
 * function) is left out, so the document may accept more than the route does, never less.
 */

export type JsonSchema = { [keyword: string]: unknown };

/**
 * Where converted schemas put their definitions. zod names a recursive schema (a JSON value) in `$defs` and
 * refers to it from the root (`#/$defs/__schema0`), which inside an OpenAPI document points nowhere: the
 * definitions move to `components.schemas` (one entry per distinct definition) and the references with them.
 */
export class SchemaComponents {
  readonly schemas: Record<string, JsonSchema> = {};
  readonly #names = new Map<string, string>();

  adopt(definitions: Record<string, unknown>): Map<string, string> {
    const renamed = new Map<string, string>();
    for (const [local, definition] of Object.entries(definitions)) {
      const content = JSON.stringify(definition);
      let name = this.#names.get(content);
      if (name === undefined) {
        name = `Definition${this.#names.size + 1}`;
        this.#names.set(content, name);
      }
      renamed.set(local, name);
    }
    for (const [local, definition] of Object.entries(definitions)) {
      const name = renamed.get(local) ?? local;
      this.schemas[name] ??= rewriteRefs(definition, renamed) as JsonSchema;
    }
    return renamed;
  }
}

function rewriteRefs(value: unknown, renamed: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, renamed));
  if (typeof value !== 'object' || value === null) return value;
  const result: JsonSchema = {};
  for (const [key, inner] of Object.entries(value)) {
    const local =
      key === '$ref' && typeof inner === 'string' ? /^#\/\$defs\/(.+)$/.exec(inner)?.[1] : undefined;
    result[key] =
      local === undefined
        ? rewriteRefs(inner, renamed)
        : `#/components/schemas/${renamed.get(local) ?? local}`;
  }
  return result;
}

export function jsonSchemaOf(schema: z.ZodType, components: SchemaComponents): JsonSchema {
  const {
    $schema: _dialect,
    $defs,
    ...rest
  } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  if ($defs === undefined) return rest;
  return rewriteRefs(rest, components.adopt($defs as Record<string, unknown>)) as JsonSchema;
}

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
  description?: string;
}

/**
 * The parameters an object schema names, one per property (`params`, `query`). A schema that is not a plain
 * object (a union, a record) becomes one free-form parameter set documented on its properties, if any.
 */
export function parametersOf(
  schema: z.ZodType,
  location: 'path' | 'query',
  components: SchemaComponents,
): OpenApiParameter[] {
  const json = jsonSchemaOf(schema, components);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: location === 'path' || required.has(name),
      schema: rest,
      ...(typeof description === 'string' ? { description } : {}),
    };
  });
}
