import { InternalError } from '../../core/errors.ts';

/** JSON stored in text columns (`settings`, `permissions`, `inherits`), read the same on both dialects. */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type JsonObject = { [key: string]: JsonValue };

/** Parses a column the store itself wrote; anything else is a corrupted row, not user input. */
export function parseJsonObject(text: string): JsonObject {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InternalError();
  }
  return value as JsonObject;
}

export function parseStringArray(text: string): string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new InternalError();
  }
  return value;
}
