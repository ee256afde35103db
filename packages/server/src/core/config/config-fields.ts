import { z } from 'zod';

/**
 * Building blocks of config schemas, shared by core's sections (schema.ts, http-schema.ts) and the sections
 * each module owns (`<module>/config.ts`), so a duration or a secret means the same thing in every section.
 */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * A key whose value is never shown (`lift config print`, configuration errors): the schema says so, rather than
 * a guess from the key's name, so a TTL named `…TokenTtlMs` is printed and a secret named anything is not.
 */
export const secretKey = <T extends z.ZodType>(schema: T, description: string): T =>
  schema.meta({ description, secret: true });

/** A duration in milliseconds, at least 1. */
export const durationMs = (def: number, what: string) =>
  z.coerce.number().int().min(1).default(def).describe(what);

/** A rate limit counted per minute per client IP. */
export const perMinute = (def: number, what: string) =>
  z.coerce.number().int().min(1).default(def).describe(`${what} per minute per client IP.`);
