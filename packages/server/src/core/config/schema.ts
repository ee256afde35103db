import { z } from 'zod';
import { remoteTokensSchema } from './remote-tokens-schema.ts';

/**
 * The single source of Lift's configuration. Every key has a default and a `.describe()` sentence;
 * docs/configuration.md is checked against this schema by a test (config/docs.test.ts).
 *
 * Sources, lowest precedence first: defaults, lift.config.{ts,js,json}, environment (`LIFT_` prefix,
 * `__` between nesting levels, snake_case segments: `LIFT_HTTP__BODY_LIMIT__MAX_BYTES`), CLI flags.
 */

/**
 * A key whose value is never shown (`lift config print`, configuration errors): the schema says so, rather than
 * a guess from the key's name, so a TTL named `…TokenTtlMs` is printed and a secret named anything is not.
 */
const secretKey = <T extends z.ZodType>(schema: T, description: string): T =>
  schema.meta({ description, secret: true });

const durationMs = (def: number, what: string) => z.coerce.number().int().min(1).default(def).describe(what);

const requestIdSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Assign every request an id and echo it in the response.'),
    header: z
      .string()
      .default('x-request-id')
      .describe('Header carrying the request id, accepted from clients when well formed.'),
  })
  .prefault({});

const accessLogSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Log one JSON line per request (method, path, status, duration).'),
    redactFields: z
      .array(z.string())
      .default([])
      .describe(
        'Extra body/query field names to redact, on top of anything named like password, token, secret, key or code.',
      ),
  })
  .prefault({});

const securityHeadersSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Send X-Content-Type-Options, Referrer-Policy, X-Frame-Options and CSP.'),
    contentSecurityPolicy: z
      .string()
      .default("frame-ancestors 'none'")
      .describe(
        'Content-Security-Policy of API responses; empty string disables it. HTML link pages send a stricter one.',
      ),
    referrerPolicy: z.string().default('no-referrer').describe('Referrer-Policy header value.'),
    hsts: z
      .enum(['auto', 'on', 'off'])
      .default('auto')
      .describe('Strict-Transport-Security: auto sends it in production only.'),
    hstsMaxAgeSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .default(31_536_000)
      .describe('HSTS max-age in seconds.'),
  })
  .prefault({});

const corsSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Answer CORS requests; origins outside the allowlist get no CORS headers.'),
    origins: z
      .array(z.string())
      .default([])
      .describe(
        'Allowed origins, exact (https://app.example.com). "*" allows any origin but never with credentials.',
      ),
    credentials: z
      .boolean()
      .default(false)
      .describe('Send Access-Control-Allow-Credentials for allowlisted origins (refused together with "*").'),
    allowHeaders: z
      .array(z.string())
      .default(['content-type', 'authorization', 'x-request-id', 'x-tenant-id', 'idempotency-key'])
      .describe('Request headers a cross-origin client may send.'),
    exposeHeaders: z
      .array(z.string())
      .default(['x-request-id'])
      .describe('Response headers a cross-origin client may read.'),
    maxAgeSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .default(600)
      .describe('How long a browser may cache a preflight.'),
  })
  .prefault({});

const bodyLimitSchema = z
  .strictObject({
    maxBytes: z.coerce
      .number()
      .int()
      .min(0)
      .default(1_048_576)
      .describe('Largest accepted request body in bytes; larger bodies get 413.'),
    maxDepth: z.coerce
      .number()
      .int()
      .min(1)
      .max(512)
      .default(64)
      // Bounded so that recursive schemas (z.json()) and serialisers never overflow the stack.
      .describe(
        'Deepest nesting of objects and arrays in a JSON body (checked before parsing); deeper get 400.',
      ),
  })
  .prefault({});

const timeoutSchema = z
  .strictObject({
    ms: durationMs(30_000, 'Request deadline; past it the client gets 504 and ctx.signal is aborted.'),
  })
  .prefault({});

const clientIpSchema = z
  .strictObject({
    trustedProxies: z
      .array(z.string())
      .default([])
      .describe('CIDRs (or addresses) of proxies whose X-Forwarded-For is believed; empty trusts none.'),
  })
  .prefault({});

const httpSchema = z
  .strictObject({
    requestId: requestIdSchema,
    accessLog: accessLogSchema,
    securityHeaders: securityHeadersSchema,
    cors: corsSchema,
    bodyLimit: bodyLimitSchema,
    timeout: timeoutSchema,
    clientIp: clientIpSchema,
  })
  .prefault({});

const outboxSchema = z
  .strictObject({
    pollMs: durationMs(
      1_000,
      'How often the relay and the job worker look for due outbox rows they were not told about.',
    ),
    leaseMs: durationMs(
      30_000,
      'How long a claimed outbox row (event, job) is held; a process that dies holding it loses it after this.',
    ),
    maxAttempts: z.coerce
      .number()
      .int()
      .min(1)
      .default(10)
      .describe('A job that failed this many times is given up (logged and counted); events retry forever.'),
    backoffBaseMs: durationMs(1_000, 'Retry delay after the first failure; doubles with each further one.'),
    backoffMaxMs: durationMs(5 * 60_000, 'The longest retry delay.'),
    retentionMs: durationMs(60 * 60_000, 'How long delivered events and finished jobs stay in the outbox.'),
    feedPollMs: durationMs(
      500,
      'Without a Redis broker: how often a process looks for changes other processes wrote (news in the outbox).',
    ),
  })
  .prefault({});

const storageSchema = z
  .strictObject({
    url: z
      .string()
      .optional()
      .describe(
        'SQL database: sqlite:<file> or postgres://…; default sqlite:<dataDir>/lift.db. On PostgreSQL, ?schema=<name> (a lower-case identifier) keeps every table in that schema, created when missing, so several apps or environments can share one database.',
      ),
    kv: z
      .string()
      .default('sql')
      .describe('Key-value store for hot state: "sql" (the SQL database), "memory:" or redis://…'),
    broker: z
      .string()
      .default('memory:')
      .describe(
        'Publish/subscribe broker: "memory:" (in-process, relayed between cluster workers) or redis://…',
      ),
    migrate: z
      .enum(['auto', 'manual'])
      .optional()
      .describe('auto runs pending migrations on start; default auto in development, manual in production.'),
    poolSize: z.coerce
      .number()
      .int()
      .min(1)
      .default(10)
      .describe('PostgreSQL connection pool size per process.'),
    redisPrefix: z
      .string()
      .regex(/^[^\s*?[\]]+$/, 'must not be empty or hold spaces or glob characters (* ? [ ])')
      .default('lift:')
      .describe(
        'Prepended to every Redis key and pub/sub channel Lift uses, so several apps can share one Redis: give each its own (myapp:).',
      ),
    outbox: outboxSchema,
  })
  .prefault({});

const healthSchema = z
  .strictObject({
    checkTimeoutMs: durationMs(2_000, 'Per-component timeout of the readiness check.'),
  })
  .prefault({});

const mailSchema = z
  .strictObject({
    url: z
      .string()
      .optional()
      .describe(
        'Mail transport: file: (one JSON file per message in the data directory, folder mail), smtp://user:pass@host:port, smtps://… or memory:. Default file: outside production; production refuses to start without it, so mail never lands unread on disk by accident (set file: to choose that).',
      ),
    from: z.string().default('Lift <no-reply@localhost>').describe('From header of the mail Lift sends.'),
  })
  .prefault({});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const perMinute = (def: number, what: string) =>
  z.coerce.number().int().min(1).default(def).describe(`${what} per minute per client IP.`);

const authSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Serve the built-in identity routes (under auth.prefix and auth.adminPrefix).'),
    appName: z
      .string()
      .min(1)
      .max(100)
      .default('Lift')
      .describe('Name shown in mail and as the issuer in authenticator apps.'),
    prefix: z.string().default('/auth').describe('Path prefix of the authentication routes.'),
    adminPrefix: z.string().default('/admin/api').describe('Path prefix of the admin API.'),
    publicUrl: z
      .string()
      .optional()
      .describe(
        'Base URL that links in mail point to (https://app.example.com); default http://<host>:<port>. Required in production.',
      ),
    emailTokenTtlMs: durationMs(DAY, 'Lifetime of email verification and set-password links.'),
    resetTokenTtlMs: durationMs(HOUR, 'Lifetime of password reset links.'),
    mfaTokenTtlMs: durationMs(5 * MINUTE, 'How long the MFA step of a login may take.'),
    mfaMaxAttempts: z.coerce
      .number()
      .int()
      .min(1)
      .max(20)
      .default(5)
      .describe(
        'Wrong codes allowed per MFA login token or password reset link before it dies (each also counts against the account lockout).',
      ),
    freshMs: durationMs(
      5 * MINUTE,
      'How long after proving who they are (login, step-up) a session counts as fresh for sensitive actions.',
    ),
    csrfAllowedOrigins: z
      .array(z.string())
      .default([])
      .describe('Other origins allowed to make cookie-authenticated state-changing requests.'),
    throttle: z
      .strictObject({
        login: perMinute(20, 'Login attempts'),
        signup: perMinute(5, 'Signups'),
        forgot: perMinute(5, 'Password reset requests and verification resends'),
        reset: perMinute(10, 'Password reset and email verification submissions'),
        mfa: perMinute(10, 'MFA code submissions'),
      })
      .prefault({}),
  })
  .prefault({});

const signupSchema = z
  .strictObject({
    mode: z
      .enum(['open', 'invite', 'closed'])
      .default('open')
      .describe('open: anyone may sign up; invite: only through an invitation; closed: no signup route.'),
  })
  .prefault({});

const passwordsSchema = z
  .strictObject({
    minLength: z.coerce.number().int().min(8).max(128).default(12).describe('Minimum password length.'),
    minScore: z.coerce
      .number()
      .int()
      .min(0)
      .max(4)
      .default(3)
      .describe('Minimum zxcvbn-ts strength score (0–4).'),
    memoryCost: z.coerce.number().int().min(8192).default(19_456).describe('argon2id memory in KiB.'),
    timeCost: z.coerce.number().int().min(1).default(2).describe('argon2id iterations.'),
    parallelism: z.coerce.number().int().min(1).default(1).describe('argon2id lanes.'),
  })
  .prefault({});

const lockoutSchema = z
  .strictObject({
    threshold: z.coerce
      .number()
      .int()
      .min(1)
      .default(5)
      .describe(
        'Consecutive failed secrets of an account (passwords and second-factor codes, at every route that checks one) before it starts waiting between attempts.',
      ),
    baseMs: durationMs(MINUTE, 'First wait after the threshold; doubles with each further failure.'),
    maxMs: z.coerce
      .number()
      .int()
      .min(1)
      .max(DAY)
      .default(15 * MINUTE)
      .describe('Longest wait between attempts (at most 24 h, after which failures are forgotten).'),
    resetRequiredAfter: z.coerce
      .number()
      .int()
      .min(2)
      .default(100)
      .describe('Consecutive failures after which only a password reset unlocks the account.'),
  })
  .prefault({});

const sessionsSchema = z
  .strictObject({
    store: z
      .enum(['auto', 'sql', 'redis'])
      .default('auto')
      .describe(
        'Session store: sql, or redis (Redis with the SQL database as backup); auto = redis when storage.kv is a redis:// URL.',
      ),
    idleTimeoutMs: durationMs(DAY, 'A session unused this long ends.'),
    absoluteLifetimeMs: durationMs(30 * DAY, 'A session ends this long after login, used or not.'),
    renewIntervalMs: durationMs(MINUTE, 'Sliding renewal writes a session at most once per interval.'),
    cacheTtlMs: durationMs(
      5_000,
      'How long a node trusts a session it validated without asking the store again (revocations reach every node through the broker at once; this bounds a missed broker message).',
    ),
    cacheSize: z.coerce
      .number()
      .int()
      .min(0)
      .default(100_000)
      .describe('Sessions each node keeps in memory.'),
    maxPerUser: z.coerce
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('Concurrent sessions per user; 0 = unlimited.'),
    maxPerUserPolicy: z
      .enum(['evict_oldest', 'deny_new'])
      .default('evict_oldest')
      .describe('At the cap: end the oldest session, or refuse the new login.'),
    binding: z
      .enum(['off', 'record', 'enforce'])
      .default('record')
      .describe(
        'When a session changes user-agent family or IP prefix (/24, /48): record an event, or enforce (end the session).',
      ),
    purgeIntervalMs: durationMs(HOUR, 'How often expired sessions and mail tokens are deleted.'),
    cookie: z
      .strictObject({
        name: z
          .string()
          .optional()
          .describe('Cookie name; default __Host-lift_session in production, lift_session otherwise.'),
        secure: z
          .enum(['auto', 'always', 'never'])
          .default('auto')
          .describe('Secure attribute: auto = in production only. Production refuses never.'),
        sameSite: z.enum(['lax', 'strict']).default('lax').describe('SameSite attribute (None is refused).'),
      })
      .prefault({}),
  })
  .prefault({});

const tokensSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Issue and accept bearer tokens (JWKS, /auth/token, revocation, introspection).'),
    issuer: z
      .string()
      .optional()
      .describe('The iss of access tokens; default auth.publicUrl, else http://<host>:<port>.'),
    audience: z.string().optional().describe('The aud of access tokens; default the issuer.'),
    algorithm: z
      .enum(['EdDSA', 'ES256', 'RS256', 'PS256', 'HS256', 'HS384', 'HS512'])
      .default('EdDSA')
      .describe('Signing algorithm of new keys; HS* only for a single service (the key is not published).'),
    accessTokenTtlMs: z.coerce
      .number()
      .int()
      .min(10_000)
      .max(HOUR)
      .default(10 * MINUTE)
      .describe('Lifetime of an access token.'),
    clockSkewMs: z.coerce
      .number()
      .int()
      .min(0)
      .max(5 * MINUTE)
      .default(30_000)
      .describe('Tolerated clock difference when checking exp, nbf and iat.'),
    keyRotationIntervalMs: z.coerce
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('Rotate the signing key this often; 0 = only with lift keys rotate or the admin API.'),
    verifiedCacheSize: z.coerce
      .number()
      .int()
      .min(0)
      .default(10_000)
      .describe('Verified access tokens each node keeps in memory (entries expire with the token).'),
    cookie: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe(
            'Also set the access token as an HttpOnly cookie on token logins and refreshes, and accept it from there (CSRF rules apply).',
          ),
        name: z
          .string()
          .optional()
          .describe('Cookie name; default __Host-lift_access in production, lift_access otherwise.'),
      })
      .prefault({}),
    refresh: z
      .strictObject({
        absoluteLifetimeMs: durationMs(30 * DAY, 'A refresh-token family ends this long after login.'),
        idleLifetimeMs: durationMs(7 * DAY, 'A refresh-token family unused this long ends.'),
        reuseGraceSeconds: z.coerce
          .number()
          .int()
          .min(0)
          .max(300)
          .default(0)
          .describe(
            'A refresh token presented again within this many seconds of its rotation gets the same successor instead of revoking the family.',
          ),
      })
      .prefault({}),
  })
  .prefault({});

const accessSchema = z
  .strictObject({
    invitationTtlMs: durationMs(7 * DAY, 'How long a tenant invitation link can be accepted.'),
    maxPendingInvitations: z.coerce
      .number()
      .int()
      .min(1)
      .default(200)
      .describe(
        'Pending invitations a tenant may have at once; one more is refused with 409 LIFT_INVITATION_LIMIT.',
      ),
  })
  .prefault({});

const logSchema = z
  .strictObject({
    level: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('Minimum log level.'),
  })
  .prefault({});

export const liftConfigSchema = z.strictObject({
  env: z
    .enum(['development', 'production', 'test'])
    .default('development')
    .describe(
      'Mode: production (LIFT_ENV or NODE_ENV) requires a strong root secret and enables HSTS; test uses a throwaway secret.',
    ),
  host: z.string().default('127.0.0.1').describe('Address the server listens on.'),
  port: z.coerce.number().int().min(0).max(65_535).default(3000).describe('TCP port (PORT also works).'),
  workers: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(1)
    .describe('Processes serving requests; more than 1 uses node:cluster.'),
  shutdownTimeoutMs: durationMs(
    10_000,
    'On SIGTERM/SIGINT, how long in-flight requests may run before exit.',
  ),
  dataDir: z
    .string()
    .default('./.lift')
    .describe('Directory for the SQLite file, the development secret and mail.'),
  secret: secretKey(
    z.string().optional(),
    'Root secret Lift derives its keys from; at least 32 bytes. Generated once in development.',
  ),
  secretPrevious: secretKey(
    z.array(z.string()).default([]),
    'Other root secrets that still open what is sealed (MFA secrets, signing keys) but never seal: the old one while the root secret changes (docs/operations.md).',
  ),
  app: z.string().optional().describe('Module whose default export builds the app (used by lift serve).'),
  log: logSchema,
  http: httpSchema,
  storage: storageSchema,
  mail: mailSchema,
  health: healthSchema,
  auth: authSchema,
  signup: signupSchema,
  passwords: passwordsSchema,
  lockout: lockoutSchema,
  sessions: sessionsSchema,
  tokens: tokensSchema,
  remoteTokens: remoteTokensSchema,
  access: accessSchema,
});

/** What a user may pass to createLift() or write in lift.config.*: every key optional. */
export type LiftConfigInput = z.input<typeof liftConfigSchema>;
/** The effective configuration, every default filled in. */
export type LiftConfig = z.output<typeof liftConfigSchema>;
