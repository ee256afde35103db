/**
 * Password lengths are counted in Unicode code points, so an emoji or a CJK character counts as one
 * character, as a person would count it, rather than as two UTF-16 units.
 *
 * Counting stops once it passes `stopAfter`, so a multi-megabyte string costs no more than the limit.
 */
export function codePointLength(text: string, stopAfter = Number.POSITIVE_INFINITY): number {
  let count = 0;
  for (const _ of text) {
    count += 1;
    if (count > stopAfter) break;
  }
  return count;
}
