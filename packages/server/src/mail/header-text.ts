/**
 * Text made safe for a one-line mail header (the Subject). Templates put names people chose into subjects; the
 * names are checked at input (core/human-name.ts), but a custom template, an old row or a name set by code must
 * still never add a header line or reorder what the reader sees. Every transport passes the subject through
 * here, whatever produced it: each run of controls (CR, LF, NUL …), line separators and bidirectional
 * formatting characters becomes one space.
 */

const NOT_IN_HEADERS = /[\p{Cc}\p{Zl}\p{Zp}\p{Bidi_Control}\p{Cs}]+/gu;

export function headerText(value: string): string {
  return value.replace(NOT_IN_HEADERS, ' ').trim();
}
