import { ForbiddenError } from '../../core/errors.ts';

/**
 * CSRF check for requests authenticated by the session cookie (browsers attach the cookie to requests other
 * sites make). Bearer-token requests need no check: another site cannot make a browser send the token.
 *
 * A state-changing request is refused when it comes from an origin that is neither the app's own nor
 * allowlisted:
 *
 * - `Sec-Fetch-Site: same-origin` or `none` (typed URL, bookmark) passes;
 * - `Sec-Fetch-Site: cross-site` or `same-site` passes only when `Origin` is trusted. `same-site` is not
 *   enough on its own: a sibling subdomain (`https://blog.example.com` next to `https://app.example.com`) may
 *   be run by someone else;
 * - without `Sec-Fetch-Site` (older browsers), a present `Origin` must be trusted; `Origin: null` (sandboxed
 *   frames, some redirects) never is;
 * - with neither header the request is not from a browser, so it cannot carry a victim's cookie: it passes.
 *
 * "Trusted" means one of `ownOrigins` or `allowedOrigins`. Origins are compared in normal form (lower-case
 * scheme and host, default port dropped). A configured entry that is not an origin matches nothing, so a typo
 * refuses requests rather than letting them through. GET, HEAD and OPTIONS always pass (they must not change
 * state); every other method, including unknown ones, counts as state-changing.
 */

export interface CsrfVerdictInput {
  /** The request method, any case. */
  method: string;
  /** The `Sec-Fetch-Site` request header; undefined when absent. */
  secFetchSite: string | undefined;
  /** The `Origin` request header; undefined when absent. */
  origin: string | undefined;
  /** Origins the app itself is served from (`https://app.example.com`). */
  ownOrigins: readonly string[];
  /** Other origins allowed to make state-changing requests with the session cookie (config `auth.csrfAllowedOrigins`). */
  allowedOrigins: readonly string[];
}

export type CsrfVerdict = { ok: true } | { ok: false; reason: string };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const PASS: CsrfVerdict = { ok: true };

/** Whether a session-cookie request may proceed; a refusal says why, for `CsrfError` and the logs. */
export function csrfVerdict(input: CsrfVerdictInput): CsrfVerdict {
  if (SAFE_METHODS.has(input.method.toUpperCase())) return PASS;
  const site = input.secFetchSite?.trim().toLowerCase();
  const trusted = () => isTrustedOrigin(input.origin, input.ownOrigins, input.allowedOrigins);

  if (site === 'same-origin' || site === 'none') return PASS;
  if (site === 'cross-site' || site === 'same-site') {
    if (trusted()) return PASS;
    const why =
      input.origin === undefined
        ? 'the request has no Origin header'
        : `Origin ${JSON.stringify(input.origin)} is not allowlisted`;
    return { ok: false, reason: `Sec-Fetch-Site is ${site} and ${why}` };
  }
  // No (or an unknown) Sec-Fetch-Site: a browser that does not send it still sends Origin on these requests.
  if (input.origin === undefined) return PASS;
  if (trusted()) return PASS;
  return {
    ok: false,
    reason: `Origin ${JSON.stringify(input.origin)} is neither this app's origin nor allowlisted`,
  };
}

/** A state-changing session-cookie request from a foreign origin (403 `LIFT_CSRF`). */
export class CsrfError extends ForbiddenError {
  constructor(reason: string) {
    super(
      `Refused a state-changing request authenticated by the session cookie from another origin: ${reason}. ` +
        'If that origin is yours, add it to auth.csrfAllowedOrigins; API clients should send a bearer token instead of the cookie.',
      'LIFT_CSRF',
    );
  }
}

function isTrustedOrigin(
  origin: string | undefined,
  ownOrigins: readonly string[],
  allowedOrigins: readonly string[],
): boolean {
  if (origin === undefined) return false;
  const normalised = normaliseOrigin(origin);
  if (normalised === undefined) return false;
  const matches = (entry: string) => normaliseOrigin(entry) === normalised;
  return ownOrigins.some(matches) || allowedOrigins.some(matches);
}

/** `scheme://host[:port]` in lower case without a default port; undefined for `null` and non-origins. */
function normaliseOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  if (url.origin !== 'null') return url.origin;
  // Non-special schemes (`capacitor://localhost`, `app://…`) have an opaque origin in the URL standard, but
  // native shells send them as Origin; compare scheme and host.
  return url.host === '' ? undefined : `${url.protocol}//${url.host.toLowerCase()}`;
}
