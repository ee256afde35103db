/**
 * The component values of RFC 9421 §2.1–2.2 on the signer's side, for `signRequest`: the same rules the Lift
 * server applies when it rebuilds the signature base, written without Node APIs so it runs in browsers.
 */

const QUERY_PARAM = /^"@query-param";name="((?:[^"\\]|\\["\\])*)"$/;

/** A component identifier as it appears in Signature-Input: `"@method"`, `"content-type"`, `"@query-param";name="id"`. */
export function componentIdentifier(component: string): string {
  if (component.startsWith('"')) {
    if (!QUERY_PARAM.test(component)) throw new TypeError(`signRequest: unsupported component ${component}.`);
    return component;
  }
  if (component.startsWith('@')) return `"${component}"`;
  if (component !== component.toLowerCase() || !/^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(component)) {
    throw new TypeError(`signRequest: "${component}" is not a lower-case field name.`);
  }
  return `"${component}"`;
}

/** The value of one component of `request` (its identifier as `componentIdentifier` made it). */
export function componentValue(request: Request, identifier: string): string {
  const url = new URL(request.url);
  const queryParam = QUERY_PARAM.exec(identifier);
  if (queryParam) return queryParamValue(url, queryParam[1]!.replace(/\\(["\\])/g, '$1'));
  const name = identifier.slice(1, -1);
  switch (name) {
    case '@method':
      return request.method;
    case '@target-uri':
      return url.href;
    case '@authority':
      return url.host;
    case '@scheme':
      return url.protocol.slice(0, -1);
    case '@request-target':
      return `${url.pathname}${url.search}`;
    case '@path':
      return url.pathname === '' ? '/' : url.pathname;
    case '@query':
      return url.search === '' ? '?' : url.search;
  }
  if (name.startsWith('@')) throw new TypeError(`signRequest: unsupported component ${name}.`);
  const value = request.headers.get(name);
  if (value === null) throw new TypeError(`signRequest: the request has no ${name} field to sign.`);
  return value.trim();
}

function queryParamValue(url: URL, wanted: string): string {
  const values = [...new URLSearchParams(url.search)]
    .filter(([name]) => encodeQueryPart(name) === wanted)
    .map(([, value]) => value);
  if (values.length !== 1) {
    throw new TypeError(`signRequest: the query must have the parameter ${wanted} exactly once.`);
  }
  return encodeQueryPart(values[0]!);
}

/** Percent-encoding with the application/x-www-form-urlencoded set, spaces as %20 (RFC 9421 §2.2.8). */
export function encodeQueryPart(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9*\-._]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A Structured Fields string (RFC 8941 §3.3.3), quoted and escaped. */
export function sfString(text: string): string {
  if (!/^[\x20-\x7e]*$/.test(text)) throw new TypeError('signRequest: parameters are printable ASCII.');
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
