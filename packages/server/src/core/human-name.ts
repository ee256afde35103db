import { z } from 'zod';

/**
 * The one schema for a name people read: a display name, a tenant or role name, a note title. Such names end up
 * in mail subjects, admin screens and logs, so they may not carry characters that change how the text around
 * them reads:
 *
 * - C0 and C1 controls (`\p{Cc}`): CR and LF split a mail header or a log line, NUL truncates in C libraries;
 * - line and paragraph separators (U+2028, U+2029), which some clients also break lines on;
 * - bidirectional formatting characters (`\p{Bidi_Control}`: embeddings, overrides, isolates and marks), which
 *   reorder what is shown so that a name displays as something it is not (CVE-2021-42574);
 * - lone surrogates, which are not text and cannot be stored or sent as UTF-8.
 *
 * Letters of every script, combining marks, emoji and the joiners inside them are all fine.
 */

const NOT_IN_NAMES = /[\p{Cc}\p{Zl}\p{Zp}\p{Bidi_Control}\p{Cs}]/u;

export const HUMAN_NAME_MESSAGE =
  'Names cannot contain control characters (line breaks, tabs, NUL), line separators or bidirectional formatting characters.';

/** Whether `value` is free of every character a name may not carry. */
export function isHumanName(value: string): boolean {
  return !NOT_IN_NAMES.test(value);
}

export interface HumanNameOptions {
  /** Fewest characters after trimming. Default 1. */
  min?: number;
  /** Most characters after trimming. */
  max: number;
}

/**
 * A zod string for a human-readable name: refused (a field-level 400 in typed input) when it holds a character
 * listed above, then trimmed and checked for length. The check runs before trimming, so a trailing CR or LF is
 * refused rather than quietly cut off.
 */
export function humanName(options: HumanNameOptions) {
  return z
    .string()
    .refine(isHumanName, { message: HUMAN_NAME_MESSAGE })
    .trim()
    .min(options.min ?? 1)
    .max(options.max);
}
