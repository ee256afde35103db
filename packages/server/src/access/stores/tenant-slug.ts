import { ValidationError } from '../../core/errors.ts';

/** A DNS-label shape, so a slug can also name a subdomain. */
const SLUG_SHAPE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Trims and lower-cases a slug; throws `ValidationError` (issue on `slug`) when it is not a DNS label. */
export function normalizeTenantSlug(slug: string): string {
  const normalized = slug.trim().toLowerCase();
  if (!SLUG_SHAPE.test(normalized)) {
    throw new ValidationError([
      {
        location: 'body',
        path: 'slug',
        message: 'A slug is 1 to 63 lower-case letters, digits or inner hyphens.',
        code: 'invalid_format',
      },
    ]);
  }
  return normalized;
}
