/** Absolute http(s) URLs end at whitespace, a quote or an angle bracket (the HTML attribute or tag around them). */
const URL_PATTERN = /https?:\/\/[^\s"'<>]+/g;
/** Sentence punctuation right after a link is not part of it. */
const TRAILING_PUNCTUATION = /[.,;:!?)\]]+$/;

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (entity, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X'))
      return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    return NAMED_ENTITIES[name.toLowerCase()] ?? entity;
  });
}

function linksIn(content: string, decode: boolean): string[] {
  return Array.from(content.matchAll(URL_PATTERN), ([match]) =>
    (decode ? decodeEntities(match) : match).replace(TRAILING_PUNCTUATION, ''),
  );
}

/**
 * The absolute links a reader could follow, as tests and people want them: the text part as written, the HTML
 * part with entities such as `&amp;` decoded; deduplicated, in order of first appearance.
 */
export function extractMailLinks(text: string, html: string): string[] {
  return [...new Set([...linksIn(text, false), ...linksIn(html, true)])];
}
