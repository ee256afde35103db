import { LiftError, MalformedBodyError, UnsupportedMediaTypeError } from './errors.ts';
import { jsonShapeProblem } from './json-shape.ts';

/**
 * Request bodies decoded by content type. Everything a client can get wrong here — broken JSON or multipart,
 * bytes that are not UTF-8, a malformed percent-escape, nesting past the limit, a name twice in one object — is
 * a 400 `LIFT_MALFORMED_BODY`, never an error logged as the server's.
 */

/** Default of `http.bodyLimit.maxDepth`. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/** One form value: a string, or a `File` for a multipart file part. */
export type FormValue = NonNullable<ReturnType<FormData['get']>>;

/** A parsed form: each name once, repeated names (and names ending in `[]`) as arrays. */
export type FormBody = Record<string, FormValue | FormValue[]>;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 bytes as text; anything else is the client's fault. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new MalformedBodyError(`The ${what} body is not valid UTF-8.`);
  }
}

/** A JSON body (RFC 8259: UTF-8 only, whatever a charset parameter says), shape-checked before it is parsed. */
export function parseJsonBody(bytes: Uint8Array, maxDepth: number): unknown {
  const text = decodeUtf8(bytes, 'JSON');
  const problem = jsonShapeProblem(text, maxDepth);
  if (problem?.kind === 'too_deep') {
    throw new MalformedBodyError(`The JSON body nests objects and arrays deeper than ${maxDepth} levels.`);
  }
  if (problem?.kind === 'duplicate_name') {
    throw new MalformedBodyError('The JSON body names the same member twice in one object.');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedBodyError('The request body is not valid JSON.');
  }
}

/** A `text/*` body in its declared charset (UTF-8 when none); an unknown charset is 415. */
export function parseTextBody(bytes: Uint8Array, contentType: string): string {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType)?.[1];
  if (charset === undefined) return decodeUtf8(bytes, 'text');
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    throw new UnsupportedMediaTypeError(contentType, [
      'text/* in a charset the WHATWG Encoding Standard names',
    ]);
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw new MalformedBodyError(`The text body is not valid ${charset}.`);
  }
}

/**
 * An `application/x-www-form-urlencoded` body. Stricter than the WHATWG parser, which turns a broken escape or
 * a non-UTF-8 byte into U+FFFD silently: such a body is refused, so a form never means something else than
 * what was sent.
 */
export function parseUrlEncodedBody(bytes: Uint8Array): FormBody {
  const form: FormBody = Object.create(null);
  for (const pair of decodeUtf8(bytes, 'form').split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeFormComponent(eq === -1 ? pair : pair.slice(0, eq));
    addFormValue(form, name, eq === -1 ? '' : decodeFormComponent(pair.slice(eq + 1)));
  }
  return form;
}

function decodeFormComponent(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    throw new MalformedBodyError('The form body has a malformed percent-escape or one that is not UTF-8.');
  }
}

const REPLACEMENT_CHARACTER = '\uFFFD';
const ENCODED_REPLACEMENT_CHARACTER = Buffer.from(REPLACEMENT_CHARACTER, 'utf8');

/** A `multipart/form-data` body: text fields as strings, file parts as `File`s. */
export async function parseMultipartBody(bytes: Uint8Array, contentType: string): Promise<FormBody> {
  // The platform parser matches the media type case-sensitively; parameters (the boundary) keep their case.
  const type = contentType.replace(/^[^;]+/, (media) => media.trim().toLowerCase());
  let data: FormData;
  try {
    data = await new Response(bytes, { headers: { 'content-type': type } }).formData();
  } catch {
    throw new MalformedBodyError('The multipart body is malformed (check the boundary and each part).');
  }
  const form: FormBody = Object.create(null);
  let replaced = false;
  data.forEach((value, name) => {
    if (name.includes(REPLACEMENT_CHARACTER)) replaced = true;
    if (typeof value === 'string' && value.includes(REPLACEMENT_CHARACTER)) replaced = true;
    addFormValue(form, name, value);
  });
  // The platform decodes text parts leniently. A U+FFFD it produced, where the bytes hold none, stands for bytes
  // that were not UTF-8 (file parts are never decoded, so binary uploads are unaffected).
  if (
    replaced &&
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(ENCODED_REPLACEMENT_CHARACTER) ===
      -1
  ) {
    throw new MalformedBodyError('A text part of the multipart body is not valid UTF-8.');
  }
  return form;
}

function addFormValue(form: FormBody, name: string, value: FormValue): void {
  const current = form[name];
  if (current === undefined) form[name] = name.endsWith('[]') ? [value] : value;
  else if (Array.isArray(current)) current.push(value);
  else form[name] = [current, value];
}

/**
 * Reads the whole body. A read that fails is the client's doing (it went away, or sent less than it declared),
 * except for the body limit's own refusal, which passes through as 413.
 */
export async function readBodyBytes(read: () => Promise<ArrayBuffer>): Promise<Uint8Array> {
  try {
    return new Uint8Array(await read());
  } catch (error) {
    if (error instanceof LiftError) throw error;
    if (error instanceof Error && error.cause instanceof LiftError) throw error.cause;
    throw new MalformedBodyError('The request body could not be read to its end.');
  }
}
