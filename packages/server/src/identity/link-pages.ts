import { createHash } from 'node:crypto';
import { escapeHtml } from '../mail/index.ts';

/**
 * The small HTML pages a browser sees: the forms mail links open (set password, reset, verify, invitation),
 * the login and second-factor forms, and the result of submitting any of them — success with the next step,
 * or a refusal with its reason and a way back.
 *
 * Opening a link changes nothing — mail scanners that prefetch links cannot use up a token; only submitting
 * the form does. The pages hold no script: plain forms that POST to this origin. Every interpolated value is
 * HTML-escaped, and each page carries its own strict Content-Security-Policy (nothing loads, no script runs,
 * forms post only to this origin, no framing), whatever `http.securityHeaders.contentSecurityPolicy` says for
 * the API.
 */

export interface PageField {
  name: string;
  label: string;
  type: 'text' | 'email' | 'password';
  autocomplete: string;
  /** A prefilled value. */
  value?: string;
  /** Shown but not editable (an invitation's address). */
  readonly?: boolean;
  required?: boolean;
}

export interface PageForm {
  action: string;
  /** Hidden inputs, sent as they are (tokens, the step to continue with). */
  hidden?: Record<string, string>;
  fields?: PageField[];
  submit: string;
  /** A heading above the form, when a page offers several. */
  heading?: string;
}

export interface PageLink {
  href: string;
  label: string;
}

export interface PageContent {
  title: string;
  /** Plain-text paragraphs. */
  paragraphs?: string[];
  /** A plain-text list under the paragraphs (the reasons a password was refused). */
  list?: string[];
  forms?: PageForm[];
  links?: PageLink[];
}

export interface PageOptions {
  status?: number;
  /** Headers to add (Set-Cookie, Retry-After …); the page's own content type, caching and CSP win. */
  headers?: Headers | Record<string, string>;
}

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}' +
  'input{font:inherit;width:100%;box-sizing:border-box;padding:.4rem}' +
  'input[readonly]{background:#eee}button{font:inherit;padding:.4rem 1.2rem}form{margin:1.5rem 0}';

/** The style element is allowed by its hash, so the policy needs no 'unsafe-inline'. */
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

export const PAGE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

function fieldHtml(field: PageField): string {
  const attributes = [
    `name="${escapeHtml(field.name)}"`,
    `type="${field.type}"`,
    `autocomplete="${escapeHtml(field.autocomplete)}"`,
  ];
  if (field.value !== undefined) attributes.push(`value="${escapeHtml(field.value)}"`);
  if (field.readonly) attributes.push('readonly');
  if (field.required) attributes.push('required');
  return `<p><label>${escapeHtml(field.label)}<br><input ${attributes.join(' ')}></label></p>`;
}

function formHtml(form: PageForm): string {
  const hidden = Object.entries(form.hidden ?? {}).map(
    ([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
  );
  return [
    form.heading === undefined ? '' : `<h2>${escapeHtml(form.heading)}</h2>`,
    `<form method="post" action="${escapeHtml(form.action)}">`,
    ...hidden,
    ...(form.fields ?? []).map(fieldHtml),
    `<p><button type="submit">${escapeHtml(form.submit)}</button></p>`,
    '</form>',
  ].join('\n');
}

export function pageHtml(content: PageContent): string {
  const parts = [
    ...(content.paragraphs ?? []).map((text) => `<p>${escapeHtml(text)}</p>`),
    content.list && content.list.length > 0
      ? `<ul>${content.list.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`
      : '',
    ...(content.forms ?? []).map(formHtml),
    ...(content.links ?? []).map(
      (link) => `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>`,
    ),
  ];
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(content.title)}</title><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(content.title)}</h1>
${parts.filter((part) => part !== '').join('\n')}
</body>
</html>`;
}

/** A page as a response: never cached, never framed, no referrer (the URL may hold a token). */
export function pageResponse(content: PageContent, options: PageOptions = {}): Response {
  const headers = new Headers(options.headers);
  headers.set('content-type', 'text/html; charset=utf-8');
  headers.set('cache-control', 'no-store');
  headers.set('referrer-policy', 'no-referrer');
  headers.set('content-security-policy', PAGE_CONTENT_SECURITY_POLICY);
  return new Response(pageHtml(content), { status: options.status ?? 200, headers });
}

/** The form a mailed link opens: it POSTs the token (and the fields) back to the same path. */
export function linkFormPage(page: {
  title: string;
  action: string;
  token: string;
  fields: PageField[];
  submit: string;
  paragraphs?: string[];
}): Response {
  return pageResponse({
    title: page.title,
    paragraphs: page.paragraphs,
    forms: [{ action: page.action, hidden: { token: page.token }, fields: page.fields, submit: page.submit }],
  });
}
