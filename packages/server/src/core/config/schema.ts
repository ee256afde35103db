import { z } from 'zod';
import { MODULE_LEVEL_PATTERN } from '../log-levels.ts';
import { DAY, durationMs, HOUR, MINUTE, perMinute, secretKey } from './config-fields.ts';
import { httpSchema } from './http-schema.ts';
import { metricsSchema } from './metrics-schema.ts';
import { tracingSchema } from './tracing-schema.ts';

/**
 * Lift's configuration: core's sections here, each module's in its own `<module>/config.ts` (the `config`
 * field of its `LiftModule`). The loader merges core's sections with those of the modules in the app into one
 * zod schema (catalog.ts), the single source of keys, defaults, environment variables, validation and
 * docs/configuration.md. Every key has a default and a `.describe()` sentence.
 *
 * Sources, lowest precedence first: defaults, lift.config.{ts,js,json}, environment (`LIFT_` prefix,
 * `__` between nesting levels, snake_case segments: `LIFT_HTTP__BODY_LIMIT__MAX_BYTES`), CLI flags.
 *
 * A section stays in core when core reads it or several modules do (`auth`: prefixes, public URL and CSRF
 * origins are read by sessions, identity, tokens and access alike); a section one module reads is that module's.
 */

const logSchema = z
  .strictObject({
    level: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('Minimum log level.'),
    modules: z
      .array(z.string().regex(MODULE_LEVEL_PATTERN, 'expected module=level, such as identity=debug'))
      .default([])
      .describe(
        'Log levels per module, as module=level: identity=debug, http=warn (http: the access log and request loggers). The rest log at log.level. Changeable at run time: PUT /admin/api/log-levels/:module.',
      ),
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

/** Milliseconds that may be 0 (off). */
const optionalMs = (def: number, what: string) => z.coerce.number().int().min(0).default(def).describe(what);

const healthSchema = z
  .strictObject({
    checkTimeoutMs: durationMs(2_000, 'Per-component timeout of the readiness check.'),
    cacheMs: optionalMs(
      1_000,
      'How long a component check result is reused: a flood of probes runs each check at most once per window (0: every probe checks).',
    ),
    mailCacheMs: optionalMs(
      30_000,
      'How long the mail transport check result is reused: an SMTP check opens a connection and logs in.',
    ),
    outboxMaxLagMs: durationMs(
      60_000,
      'Age of the oldest event not yet relayed to the broker above which the outbox component is down (degraded, not unready).',
    ),
    minFreeDiskBytes: z.coerce
      .number()
      .int()
      .min(0)
      .default(100 * 1024 * 1024)
      .describe(
        'Free bytes on the filesystem of the SQLite file below which the disk component is down (SQLite only).',
      ),
    maxEventLoopDelayMs: durationMs(
      200,
      'p99 event-loop delay since the previous check above which the event-loop component is down (degraded, not unready).',
    ),
    drainDelayMs: optionalMs(
      0,
      'On close(), how long readiness answers 503 draining while the server still accepts requests, so a load balancer stops sending before it stops listening.',
    ),
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

const openapiSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .optional()
      .describe(
        'Serve the OpenAPI 3.1 document of every route at openapi.path; default on in development and test, off in production.',
      ),
    path: z.string().default('/openapi.json').describe('Where the OpenAPI document is served.'),
    title: z.string().min(1).optional().describe('info.title of the document; default auth.appName.'),
    version: z.string().min(1).default('0.0.0').describe('info.version of the document: your API’s version.'),
  })
  .prefault({});

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

export const coreConfigSchema = z.strictObject({
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
  metrics: metricsSchema,
  tracing: tracingSchema,
  openapi: openapiSchema,
  auth: authSchema,
});

/**
 * The sections modules own, by name, each the zod schema of its section. Each module adds its own by
 * declaration merging in its `config.ts`:
 * `declare module '../core/config/schema.ts' { interface LiftConfigSections { tokens: typeof tokensSection } }`.
 * So `config.tokens.issuer` is typed wherever the module is compiled in; at run time an app's config holds the
 * sections of the modules the app has, and no others.
 */
// biome-ignore lint/suspicious/noEmptyInterface: extended by declaration merging in each module's config.ts.
export interface LiftConfigSections {}

type SectionOutput<T> = T extends z.ZodType ? z.output<T> : never;
type SectionInput<T> = T extends z.ZodType ? z.input<T> : never;

/** What a user may pass to createLift() or write in lift.config.*: every key optional. */
export type LiftConfigInput = z.input<typeof coreConfigSchema> & {
  [K in keyof LiftConfigSections]?: SectionInput<LiftConfigSections[K]>;
};
/** The effective configuration, every default filled in. */
export type LiftConfig = z.output<typeof coreConfigSchema> & {
  [K in keyof LiftConfigSections]: SectionOutput<LiftConfigSections[K]>;
};
