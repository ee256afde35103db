import type { JsonSchema } from './json-schema.ts';

/**
 * Errors, described once: every error Lift answers is an RFC 9457 problem (`application/problem+json`, see
 * core/problem.ts) whose `code` is one of the app's catalogue (app/lift-errors.ts). The document names the
 * catalogue's codes in `components.schemas.ErrorCode`, the body in `Problem`, and one reusable response per
 * status the catalogue has (`Problem401` lists the codes answered with 401); operations refer to those.
 */

export interface CatalogueEntry {
  code: string;
  status: number;
  meaning: string;
}

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** `Problem400`, the reusable response for a status. */
export function problemResponseName(status: number): string {
  return `Problem${status}`;
}

function codeTable(entries: readonly CatalogueEntry[]): string {
  return entries.map(({ code, status, meaning }) => `- \`${code}\` (${status}): ${meaning}`).join('\n');
}

export function problemSchemas(catalogue: readonly CatalogueEntry[]): Record<string, JsonSchema> {
  const codes = [...new Set(catalogue.map(({ code }) => code))];
  return {
    ErrorCode: {
      type: 'string',
      enum: codes,
      description: `A stable error code (docs/errors.md). This app may answer with:\n\n${codeTable(catalogue)}`,
    },
    FieldIssue: {
      type: 'object',
      properties: {
        location: { type: 'string', enum: ['body', 'query', 'params', 'headers'] },
        path: { type: 'string', description: "Dotted path inside the location; '' for the whole value." },
        message: { type: 'string' },
        code: { type: 'string' },
      },
      required: ['location', 'path', 'message', 'code'],
    },
    Problem: {
      type: 'object',
      description: 'RFC 9457 problem details, as every Lift error response carries them.',
      properties: {
        type: { type: 'string', description: 'A URN naming the problem: urn:lift:error:<code>.' },
        title: { type: 'string' },
        status: { type: 'integer', minimum: 100, maximum: 599 },
        detail: { type: 'string' },
        code: ref('ErrorCode'),
        request_id: { type: 'string', description: 'The x-request-id of the request, for support.' },
        trace_id: {
          type: 'string',
          pattern: '^[0-9a-f]{32}$',
          description:
            "The request's trace id when tracing is on (tracing.exporter), to find it in the tracing backend.",
        },
        instance: { type: 'string' },
        errors: {
          type: 'array',
          items: ref('FieldIssue'),
          description: 'With LIFT_VALIDATION_FAILED: every field that failed its schema.',
        },
      },
      required: ['type', 'title', 'status', 'code'],
    },
  };
}

/** One response per status the catalogue answers with, its codes listed, plus `ProblemDefault`. */
export function problemResponses(catalogue: readonly CatalogueEntry[]): Record<string, JsonSchema> {
  const byStatus = new Map<number, CatalogueEntry[]>();
  for (const entry of catalogue) byStatus.set(entry.status, [...(byStatus.get(entry.status) ?? []), entry]);
  const responses: Record<string, JsonSchema> = {};
  for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
    const entries = byStatus.get(status) ?? [];
    responses[problemResponseName(status)] = {
      description: `A problem with status ${status}:\n\n${codeTable(entries)}`,
      content: {
        [PROBLEM_MEDIA_TYPE]: {
          schema: {
            allOf: [
              ref('Problem'),
              { properties: { status: { const: status }, code: { enum: entries.map(({ code }) => code) } } },
            ],
          },
        },
      },
    };
  }
  responses.ProblemDefault = {
    description: 'Any other error the catalogue lists (rate limits, timeouts, unavailable stores …).',
    content: { [PROBLEM_MEDIA_TYPE]: { schema: ref('Problem') } },
  };
  return responses;
}
