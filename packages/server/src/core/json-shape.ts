/**
 * The shape check a JSON request body passes before `JSON.parse` sees it: no deeper than a limit, and no member
 * name twice in one object.
 *
 * Depth is checked on the text, not on the parsed value: V8 parses half a million nested arrays (1 MiB) in about
 * a second, and every schema, `JSON.stringify` or log walk that recurses over the value afterwards overflows the
 * stack. One linear pass without recursion bounds both before any of that work starts.
 *
 * Duplicate names are refused because parsers disagree on which one wins (`JSON.parse` keeps the last, others
 * the first): a proxy or signature check that read one value must not see the app act on another.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

export type JsonShapeProblem = { kind: 'too_deep'; maxDepth: number } | { kind: 'duplicate_name' };

/**
 * What breaks the rules in `text`, or undefined. Syntax is left to `JSON.parse`: on text that is not JSON the
 * answer may be either, and the body is refused either way.
 */
export function jsonShapeProblem(text: string, maxDepth: number): JsonShapeProblem | undefined {
  // One entry per open container: the member names seen so far for an object, null for an array.
  const open: Array<Set<string> | null> = [];
  // Whether the next string is a member name: right after `{`, or after `,` inside an object.
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    switch (text.charCodeAt(i)) {
      case QUOTE: {
        const end = stringEnd(text, i);
        if (expectName) {
          const names = open[open.length - 1];
          const name = memberName(text, i, end);
          if (names?.has(name)) return { kind: 'duplicate_name' };
          names?.add(name);
          expectName = false;
        }
        i = end;
        break;
      }
      case OPEN_OBJECT:
        if (open.length >= maxDepth) return { kind: 'too_deep', maxDepth };
        open.push(new Set());
        expectName = true;
        break;
      case OPEN_ARRAY:
        if (open.length >= maxDepth) return { kind: 'too_deep', maxDepth };
        open.push(null);
        expectName = false;
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        open.pop();
        expectName = false;
        break;
      case COMMA:
        expectName = open.length > 0 && open[open.length - 1] !== null;
        break;
    }
  }
  return undefined;
}

/** Index of the quote closing the string that opens at `start` (the text's length when it never closes). */
function stringEnd(text: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    // An even run of backslashes escapes itself, so the quote ends the string.
    if (backslashes % 2 === 0) return quote;
    from = quote + 1;
  }
}

/** The member name as the parser will see it, so `"a"` and `"\u0061"` count as the same name. */
function memberName(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end);
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(text.slice(start, end + 1)) as string;
  } catch {
    return raw;
  }
}
