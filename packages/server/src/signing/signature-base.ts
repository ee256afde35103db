import {
  type InnerList,
  type Item,
  StructuredFieldError,
  serializeInnerList,
  serializeItem,
} from './structured-fields.ts';

/**
 * The signature base of RFC 9421 §2.5: one line per covered component, `"<identifier>": <value>`, then the
 * `"@signature-params"` line. Component values come from the request as received: derived components (§2.2)
 * from its method and target URI, header fields (§2.1) from its headers, lower-cased names, values trimmed and
 * repeated fields joined with ", " (what `Headers.get` returns).
 */

/** The parts of a request a signature can cover. */
export interface SignedMessage {
  method: string;
  /** The absolute target URI (`https://example.com/foo?param=Value`). */
  url: string;
  headers: Headers;
}

/** Why a component could not be given a value; the verifier turns it into a refusal reason. */
export class ComponentError extends Error {
  constructor(
    readonly reason: 'component_absent' | 'unsupported_component',
    message: string,
  ) {
    super(message);
  }
}

const DERIVED = new Set([
  '@method',
  '@target-uri',
  '@authority',
  '@scheme',
  '@request-target',
  '@path',
  '@query',
  '@query-param',
]);

/** The value of one covered component (an Item whose value is the component name). */
export function componentValue(message: SignedMessage, component: Item, url = new URL(message.url)): string {
  const name = component.value;
  if (typeof name !== 'string') throw new StructuredFieldError('A component identifier is not a string.');
  const params = [...component.params.keys()];
  if (name.startsWith('@')) {
    if (!DERIVED.has(name)) throw new ComponentError('unsupported_component', `${name} is not supported.`);
    const allowed = name === '@query-param' ? ['name'] : [];
    if (params.some((key) => !allowed.includes(key))) {
      throw new ComponentError('unsupported_component', `${name} has an unsupported parameter.`);
    }
    return derivedValue(message, name, component, url);
  }
  if (name !== name.toLowerCase() || name === '') {
    throw new StructuredFieldError('A header component name must be lower case.');
  }
  // `sf`, `bs`, `key`, `req` and `tr` change how a field is read; this verifier covers fields as sent.
  if (params.length > 0) {
    throw new ComponentError('unsupported_component', `"${name}" has an unsupported parameter.`);
  }
  const value = message.headers.get(name);
  if (value === null) throw new ComponentError('component_absent', `The request has no ${name} field.`);
  return value.trim();
}

function derivedValue(message: SignedMessage, name: string, component: Item, url: URL): string {
  switch (name) {
    case '@method':
      return message.method;
    case '@target-uri':
      return url.href;
    case '@authority':
      // WHATWG URL parsing already lower-cases the host and drops a default port, as §2.2.3 asks.
      return url.host;
    case '@scheme':
      return url.protocol.slice(0, -1);
    case '@request-target':
      return `${url.pathname}${url.search}`;
    case '@path':
      return url.pathname === '' ? '/' : url.pathname;
    case '@query':
      return url.search === '' ? '?' : url.search;
    default:
      return queryParamValue(url, component);
  }
}

/** `@query-param;name="…"` (§2.2.8): the one value of that parameter, decoded then re-encoded. */
function queryParamValue(url: URL, component: Item): string {
  const wanted = component.params.get('name');
  if (typeof wanted !== 'string') {
    throw new ComponentError('unsupported_component', '@query-param needs a string name parameter.');
  }
  const values: string[] = [];
  for (const [name, value] of new URLSearchParams(url.search)) {
    if (encodeQueryPart(name) === wanted) values.push(value);
  }
  if (values.length === 0) {
    throw new ComponentError('component_absent', `The query has no parameter ${wanted}.`);
  }
  // Which of several values was signed cannot be told from the base, so a repeated parameter is refused.
  if (values.length > 1) {
    throw new ComponentError('unsupported_component', `The query repeats the parameter ${wanted}.`);
  }
  return encodeQueryPart(values[0]!);
}

/** Percent-encodes with the application/x-www-form-urlencoded set, spaces as %20 (RFC 9421 §2.2.8). */
export function encodeQueryPart(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9*\-._]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Builds the signature base for `params` (the Signature-Input member: covered components and parameters). */
export function signatureBase(message: SignedMessage, params: InnerList): string {
  const url = new URL(message.url);
  const seen = new Set<string>();
  let base = '';
  for (const component of params.items) {
    const identifier = serializeItem(component);
    if (seen.has(identifier)) throw new StructuredFieldError(`${identifier} is covered twice.`);
    seen.add(identifier);
    const value = componentValue(message, component, url);
    // A line break in a value would let one component forge the next line of the base.
    if (/[\r\n]/.test(value)) throw new StructuredFieldError(`${identifier} has a line break.`);
    base += `${identifier}: ${value}\n`;
  }
  return `${base}"@signature-params": ${serializeInnerList(params)}`;
}
