import type { Context as HonoContext } from 'hono';
import { z } from 'zod';
import { LiftError } from './errors.ts';
import type { Compiled, ResponseBody, ResponseSchemas, RouteDescription } from './handler.ts';

const JSON_TYPE = /^application\/([\w.+-]+\+)?json/;

/**
 * Declared responses kept true: outside production, a typed handler's answer is checked against what the
 * route declares for its status (`output`, `responses`), and a mismatch is a 500 naming the route, the status
 * and what differs, so any test that calls the route catches a description that lies. Decided when the route
 * is compiled: production serves the handler unwrapped and pays nothing.
 *
 * Statuses from 400 up that are not declared are refusals, described as problems elsewhere, and pass.
 */

export class ResponseMismatchError extends LiftError {
  constructor(route: RouteDescription, status: number, problem: string) {
    const message = `${route.method} ${route.path} answered ${status}, which its declared responses do not describe: ${problem}.`;
    super('LIFT_INTERNAL', 500, 'Internal server error', { detail: message });
    this.message = message;
  }
}

export function checkedResponses(
  route: RouteDescription,
  responses: ResponseSchemas,
  serve: Compiled,
): Compiled {
  return async (c: HonoContext) => {
    const response = await serve(c);
    await checkResponse(route, responses, response);
    return response;
  };
}

async function checkResponse(route: RouteDescription, responses: ResponseSchemas, response: Response) {
  const { status } = response;
  const declared = responses[status];
  const fail = (problem: string) => new ResponseMismatchError(route, status, problem);
  if (declared === undefined) {
    if (status >= 400) return;
    throw fail(`no response is declared for ${status} (declared: ${Object.keys(responses).join(', ')})`);
  }
  const type = response.headers.get('content-type') ?? '';
  if (declared === null) {
    if (response.body !== null) throw fail(`it is declared without a body and sent one (${type})`);
    return;
  }
  const bodies: readonly ResponseBody[] = Array.isArray(declared) ? declared : [declared as ResponseBody];
  const json = JSON_TYPE.test(type);
  const match = bodies.find((body) => ('mediaType' in body ? type.startsWith(body.mediaType) : json));
  if (match === undefined) throw fail(`${type || 'no content-type'} was sent, which is not declared`);
  if ('mediaType' in match) return;
  const body: unknown = await response.clone().json();
  const result = match.safeParse(body);
  if (!result.success) throw fail(z.prettifyError(result.error));
  const extra = undeclaredKeys(body, result.data, '');
  if (extra.length > 0) throw fail(`the body has fields the schema does not declare: ${extra.join(', ')}`);
}

/** Keys of the sent body the schema dropped while parsing: fields a client would not know of. */
function undeclaredKeys(sent: unknown, parsed: unknown, at: string): string[] {
  if (Array.isArray(sent) && Array.isArray(parsed))
    return sent.flatMap((item, index) => undeclaredKeys(item, parsed[index], `${at}[${index}]`));
  if (!isRecord(sent) || !isRecord(parsed)) return [];
  return Object.keys(sent).flatMap((key) => {
    const path = at === '' ? key : `${at}.${key}`;
    return key in parsed ? undeclaredKeys(sent[key], parsed[key], path) : [path];
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
