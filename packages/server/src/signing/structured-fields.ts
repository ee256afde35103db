/**
 * The part of Structured Field Values (RFC 8941) that message signatures need: dictionaries whose members are
 * items or inner lists, with parameters, and the bare items integer, decimal, string, token, byte sequence and
 * boolean. Strict: anything the RFC's parsing algorithm rejects throws `StructuredFieldError`, so a header
 * never means something other than what was sent. Serialization is canonical (§4.1), which is what the
 * `@signature-params` line of a signature base is made from.
 */

export class StructuredFieldError extends Error {}

/** A token keeps its own type so it serializes without quotes. */
export class Token {
  constructor(readonly value: string) {}
}

export type BareItem = number | string | boolean | Token | Uint8Array;
export type Parameters = Map<string, BareItem>;
export interface Item {
  value: BareItem;
  params: Parameters;
}
export interface InnerList {
  items: Item[];
  params: Parameters;
}
export type Dictionary = Map<string, Item | InnerList>;

export function isInnerList(member: Item | InnerList): member is InnerList {
  return 'items' in member;
}

const KEY_START = /[a-z*]/;
const KEY_CHAR = /[a-z0-9_\-.*]/;
const TOKEN_START = /[A-Za-z*]/;
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z:/]/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

class Reader {
  index = 0;
  constructor(readonly text: string) {}
  get done(): boolean {
    return this.index >= this.text.length;
  }
  peek(): string {
    return this.text[this.index] ?? '';
  }
  skipSpaces(): void {
    while (this.peek() === ' ') this.index++;
  }
  skipOws(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.index++;
  }
  fail(what: string): never {
    throw new StructuredFieldError(`${what} at position ${this.index}.`);
  }
}

/** Parses a Dictionary field value (§4.2.2). */
export function parseDictionary(text: string): Dictionary {
  const reader = new Reader(text);
  reader.skipSpaces();
  const dictionary: Dictionary = new Map();
  while (!reader.done) {
    const key = parseKey(reader);
    let member: Item | InnerList;
    if (reader.peek() === '=') {
      reader.index++;
      member = parseItemOrInnerList(reader);
    } else {
      member = { value: true, params: parseParameters(reader) };
    }
    // A repeated key overwrites the earlier value but keeps its place (§4.2.2).
    dictionary.set(key, member);
    reader.skipOws();
    if (reader.done) break;
    if (reader.peek() !== ',') reader.fail('Expected "," between dictionary members');
    reader.index++;
    reader.skipOws();
    if (reader.done) reader.fail('Trailing comma in dictionary');
  }
  return dictionary;
}

/** Parses one Item with its parameters (§4.2.3), the whole of `text`. */
export function parseItem(text: string): Item {
  const reader = new Reader(text);
  reader.skipSpaces();
  const item = parseItemAt(reader);
  reader.skipSpaces();
  if (!reader.done) reader.fail('Unexpected characters after the item');
  return item;
}

function parseItemOrInnerList(reader: Reader): Item | InnerList {
  return reader.peek() === '(' ? parseInnerList(reader) : parseItemAt(reader);
}

function parseInnerList(reader: Reader): InnerList {
  reader.index++;
  const items: Item[] = [];
  for (;;) {
    reader.skipSpaces();
    if (reader.peek() === ')') {
      reader.index++;
      return { items, params: parseParameters(reader) };
    }
    if (reader.done) reader.fail('Unterminated inner list');
    items.push(parseItemAt(reader));
    const next = reader.peek();
    if (next !== ' ' && next !== ')') reader.fail('Expected " " or ")" in inner list');
  }
}

function parseItemAt(reader: Reader): Item {
  const value = parseBareItem(reader);
  return { value, params: parseParameters(reader) };
}

function parseBareItem(reader: Reader): BareItem {
  const c = reader.peek();
  if (c === '-' || (c >= '0' && c <= '9')) return parseNumber(reader);
  if (c === '"') return parseString(reader);
  if (c === ':') return parseByteSequence(reader);
  if (c === '?') return parseBoolean(reader);
  if (TOKEN_START.test(c)) return parseToken(reader);
  return reader.fail('Expected an item');
}

function parseParameters(reader: Reader): Parameters {
  const params: Parameters = new Map();
  while (reader.peek() === ';') {
    reader.index++;
    reader.skipSpaces();
    const key = parseKey(reader);
    let value: BareItem = true;
    if (reader.peek() === '=') {
      reader.index++;
      value = parseBareItem(reader);
    }
    params.set(key, value);
  }
  return params;
}

function parseKey(reader: Reader): string {
  if (!KEY_START.test(reader.peek())) reader.fail('Expected a key');
  const start = reader.index;
  while (KEY_CHAR.test(reader.peek())) reader.index++;
  return reader.text.slice(start, reader.index);
}

function parseNumber(reader: Reader): number {
  const start = reader.index;
  if (reader.peek() === '-') reader.index++;
  if (!/[0-9]/.test(reader.peek())) reader.fail('Expected a digit');
  let decimal = false;
  while (/[0-9.]/.test(reader.peek())) {
    if (reader.peek() === '.') {
      if (decimal) reader.fail('Two decimal points');
      decimal = true;
    }
    reader.index++;
  }
  const text = reader.text.slice(start, reader.index);
  const digits = text.replace('-', '');
  if (decimal) {
    const [whole = '', fraction = ''] = digits.split('.');
    if (whole.length > 12 || fraction.length === 0 || fraction.length > 3) reader.fail('Invalid decimal');
  } else if (digits.length > 15) {
    reader.fail('Integer longer than 15 digits');
  }
  return Number(text);
}

function parseString(reader: Reader): string {
  reader.index++;
  let out = '';
  for (;;) {
    if (reader.done) reader.fail('Unterminated string');
    const c = reader.peek();
    reader.index++;
    if (c === '\\') {
      const escaped = reader.peek();
      if (escaped !== '"' && escaped !== '\\') reader.fail('Invalid escape in string');
      out += escaped;
      reader.index++;
    } else if (c === '"') {
      return out;
    } else {
      const code = c.charCodeAt(0);
      if (code < 0x20 || code > 0x7e) reader.fail('Character not allowed in string');
      out += c;
    }
  }
}

function parseToken(reader: Reader): Token {
  const start = reader.index;
  reader.index++;
  while (TOKEN_CHAR.test(reader.peek())) reader.index++;
  return new Token(reader.text.slice(start, reader.index));
}

function parseByteSequence(reader: Reader): Uint8Array {
  const end = reader.text.indexOf(':', reader.index + 1);
  if (end === -1) reader.fail('Unterminated byte sequence');
  const encoded = reader.text.slice(reader.index + 1, end);
  if (!BASE64.test(encoded)) reader.fail('Byte sequence is not base64');
  reader.index = end + 1;
  return new Uint8Array(Buffer.from(encoded, 'base64'));
}

function parseBoolean(reader: Reader): boolean {
  reader.index++;
  const c = reader.peek();
  if (c !== '0' && c !== '1') reader.fail('Expected ?0 or ?1');
  reader.index++;
  return c === '1';
}

/** Canonical serialization of a bare item (§4.1.3). */
export function serializeBareItem(value: BareItem): string {
  if (typeof value === 'boolean') return value ? '?1' : '?0';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new StructuredFieldError('Not a finite number.');
    if (Number.isInteger(value)) return String(value);
    const rounded = Math.round(value * 1000) / 1000;
    return Number.isInteger(rounded) ? `${rounded}.0` : String(rounded);
  }
  if (typeof value === 'string') {
    if (!/^[\x20-\x7e]*$/.test(value))
      throw new StructuredFieldError('String with non-printable characters.');
    return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  }
  if (value instanceof Token) return value.value;
  return `:${Buffer.from(value).toString('base64')}:`;
}

export function serializeParameters(params: Parameters): string {
  let out = '';
  for (const [key, value] of params)
    out += value === true ? `;${key}` : `;${key}=${serializeBareItem(value)}`;
  return out;
}

export function serializeItem(item: Item): string {
  return serializeBareItem(item.value) + serializeParameters(item.params);
}

export function serializeInnerList(list: InnerList): string {
  return `(${list.items.map(serializeItem).join(' ')})${serializeParameters(list.params)}`;
}
