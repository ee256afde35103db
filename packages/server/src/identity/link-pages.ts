import { escapeHtml } from '../mail/index.ts';

/**
 * The pages mail links open when `auth.publicUrl` points at Lift itself: a plain form that POSTs the token
 * (and any other fields) to the same path. Opening the link changes nothing — mail scanners that prefetch
 * links cannot use up a token; only submitting the form does.
 */

export interface LinkFormField {
  name: string;
  label: string;
  type: 'text' | 'password';
  autocomplete: string;
}

export interface LinkFormPage {
  title: string;
  action: string;
  token: string;
  fields: LinkFormField[];
  submit: string;
}

export function linkFormPage(page: LinkFormPage): Response {
  const fields = page.fields
    .map(
      (field) =>
        `<p><label>${escapeHtml(field.label)}<br><input name="${escapeHtml(field.name)}" type="${field.type}" autocomplete="${escapeHtml(field.autocomplete)}"></label></p>`,
    )
    .join('\n');
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(page.title)}</title></head>
<body>
<h1>${escapeHtml(page.title)}</h1>
<form method="post" action="${escapeHtml(page.action)}">
<input type="hidden" name="token" value="${escapeHtml(page.token)}">
${fields}
<p><button type="submit">${escapeHtml(page.submit)}</button></p>
</form>
</body>
</html>`;
  return new Response(html, {
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // The token is in this page's URL; it must not leak to anything the page links to.
      'referrer-policy': 'no-referrer',
    },
  });
}
