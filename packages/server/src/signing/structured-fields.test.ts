import { describe, expect, it } from 'vitest';
import {
  type InnerList,
  type Item,
  parseDictionary,
  StructuredFieldError,
  serializeInnerList,
  Token,
} from './structured-fields.ts';

/** The RFC 8941 subset: what parses, what is refused, and that serialization is canonical. */

describe('parseDictionary', () => {
  it('reads inner lists with parameters, and every bare item type', () => {
    const dictionary = parseDictionary(
      'sig1=("@method" "@query-param";name="id");created=1618884473;keyid="k\\"1";alg=tok, b=:AQID:, c=?0, d=-12, e=4.5, f',
    );
    const sig1 = dictionary.get('sig1') as InnerList;
    expect(sig1.items.map((item) => item.value)).toEqual(['@method', '@query-param']);
    expect(sig1.items[1]!.params.get('name')).toBe('id');
    expect(sig1.params.get('created')).toBe(1618884473);
    expect(sig1.params.get('keyid')).toBe('k"1');
    expect(sig1.params.get('alg')).toEqual(new Token('tok'));
    expect([...((dictionary.get('b') as Item).value as Uint8Array)]).toEqual([1, 2, 3]);
    expect((dictionary.get('c') as Item).value).toBe(false);
    expect((dictionary.get('d') as Item).value).toBe(-12);
    expect((dictionary.get('e') as Item).value).toBe(4.5);
    expect((dictionary.get('f') as Item).value).toBe(true);
  });

  it('serializes an inner list canonically', () => {
    const sig = parseDictionary('s=(  "a"   "b";x=?1  );created=1;keyid="k"').get('s') as InnerList;
    expect(serializeInnerList(sig)).toBe('("a" "b";x);created=1;keyid="k"');
  });

  it.each([
    ['an unterminated inner list', 's=("a" "b"'],
    ['an unterminated string', 's="abc'],
    ['a bad escape', 's="a\\b"'],
    ['a non-ASCII string', 's="é"'],
    ['a trailing comma', 's=1,'],
    ['an upper-case key', 'Sig=1'],
    ['an integer of 16 digits', 's=1234567890123456'],
    ['a decimal with 4 fraction digits', 's=1.2345'],
    ['a byte sequence that is not base64', 's=:a*b:'],
    ['a boolean other than ?0 / ?1', 's=?2'],
    ['items in an inner list without a space', 's=("a""b")'],
    ['garbage after a member', 's=1 x'],
  ])('refuses %s', (_what, field) => {
    expect(() => parseDictionary(field)).toThrow(StructuredFieldError);
  });
});
