import type { Context } from '../core/context.ts';
import { LiftError } from '../core/errors.ts';
import { contextOf } from '../core/handler.ts';
import type { Middleware } from '../core/routes.ts';
import { type PageContent, pageResponse } from './link-pages.ts';

/**
 * Content negotiation for the routes the link pages post to. A browser submitting a form asks for
 * `text/html` first and gets a page; API clients (`application/json`, `*∕*`, or no Accept at all) keep the
 * JSON and problem+json they always had — the decision is the Accept header's, never the body's type, so a
 * script posting a form still reads JSON.
 */

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);

function isJsonType(type: string): boolean {
  return type === 'application/*' || type === 'application/json' || type.endsWith('+json');
}

/** True when the Accept header explicitly rates HTML above every JSON type it names (wildcards `*∕*` aside). */
export function prefersHtml(accept: string | null | undefined): boolean {
  if (!accept) return false;
  let html = 0;
  let json = 0;
  for (const range of accept.split(',')) {
    const [rawType = '', ...parameters] = range.split(';');
    const type = rawType.trim().toLowerCase();
    let quality = 1;
    for (const parameter of parameters) {
      const [name, value] = parameter.split('=').map((part) => part.trim());
      if (name?.toLowerCase() === 'q') quality = Number.parseFloat(value ?? '') || 0;
    }
    if (HTML_TYPES.has(type)) html = Math.max(html, quality);
    else if (isJsonType(type)) json = Math.max(json, quality);
  }
  return html > 0 && html > json;
}

export function wantsPage(ctx: Context): boolean {
  return prefersHtml(ctx.headers.get('accept'));
}

/** The way back an error page offers: links, and the form again when it can be resubmitted. */
export type PageWayBack = Pick<PageContent, 'links' | 'forms'>;

/** What a refusal says on a page: its title, its detail, and the field problems or password reasons. */
export function errorPageContent(error: LiftError, back: PageWayBack): PageContent {
  const reasons = error.extensions.reasons;
  const issues = error.extensions.errors;
  if (Array.isArray(reasons)) {
    return {
      title: error.title,
      paragraphs: ['Choose another password:'],
      list: reasons.map((reason: { message?: unknown }) => String(reason.message ?? '')),
      ...back,
    };
  }
  const list = Array.isArray(issues)
    ? issues.map((issue: { path?: unknown; message?: unknown }) =>
        issue.path ? `${String(issue.path)}: ${String(issue.message)}` : String(issue.message),
      )
    : undefined;
  return { title: error.title, paragraphs: [error.detail ?? error.title], list, ...back };
}

/** The way back an error page offers, for the request that failed. */
export type PageBack = (ctx: Context, error: LiftError) => PageWayBack | Promise<PageWayBack>;

/**
 * Route middleware, first in its group so it sees refusals from guards too (401, 403 `LIFT_CSRF`, 429): for
 * a request that prefers HTML, a `LiftError` becomes a page with the same status and headers (`Retry-After`
 * …) and a way back. Other requests pass through untouched; 500s stay problem+json.
 */
export function errorPages(back: PageBack): Middleware {
  return async function errorPagesMiddleware(c, next) {
    if (!prefersHtml(c.req.header('accept'))) {
      await next();
      return;
    }
    try {
      await next();
    } catch (error) {
      // A 500 is a bug whose detail is for the logs; it stays the generic problem+json.
      if (!(error instanceof LiftError) || error.status === 500) throw error;
      const wayBack = await back(contextOf(c), error);
      return pageResponse(errorPageContent(error, wayBack), { status: error.status, headers: error.headers });
    }
  };
}
