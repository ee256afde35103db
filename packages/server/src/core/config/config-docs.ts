import type { ConfigCatalog } from './catalog.ts';
import { ENV_ALLOWLIST_PREFIXES } from './env.ts';
import { CONFIG_FILE_NAMES } from './file.ts';
import type { ConfigKey } from './keys.ts';
import { EXAMPLE_SECRET, MIN_SECRET_BYTES, SECRET_FILE_NAME } from './secret.ts';

/**
 * Renders docs/configuration.md and .env.example from a config catalog, so the reference can never list a key,
 * default or variable the code does not have. The command that writes them, from the catalog of Lift's
 * default modules, is at the top of the house (core imports no module):
 *
 *   npx tsx packages/server/src/app/generate-config-docs.ts
 */

export const GENERATE_COMMAND = 'npx tsx packages/server/src/app/generate-config-docs.ts';

/** The type column: `integer 1–64`, `string[]`, `development \| production \| test`. */
export function typeCell(key: ConfigKey): string {
  switch (key.kind) {
    case 'enum':
      return (key.values ?? []).map((v) => `\`${v}\``).join(' \\| ');
    case 'array':
      return 'string[]';
    case 'number': {
      const name = key.integer ? 'integer' : 'number';
      if (key.min !== undefined && key.max !== undefined) return `${name} ${key.min}–${key.max}`;
      if (key.min !== undefined) return `${name} ≥ ${key.min}`;
      if (key.max !== undefined) return `${name} ≤ ${key.max}`;
      return name;
    }
    default:
      return key.kind;
  }
}

/** The default column: the JSON of the schema default, or — when the default is decided at startup. */
export function defaultCell(key: ConfigKey): string {
  return key.defaultValue === undefined ? '—' : `\`${escapeCell(JSON.stringify(key.defaultValue))}\``;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function tableRow(key: ConfigKey): string {
  const cells = [
    `\`${key.key}\``,
    `\`${key.envVar}\``,
    typeCell(key),
    defaultCell(key),
    escapeCell(key.description),
  ];
  return `| ${cells.join(' | ')} |`;
}

function section(key: ConfigKey, catalog: ConfigCatalog): string {
  if (key.path.length === 1) return 'Server';
  const owner = catalog.sectionOwners.get(key.path[0]!);
  return `\`${key.path[0]}\`${owner === undefined ? '' : ` (module ${owner})`}`;
}

function tables(catalog: ConfigCatalog): string {
  const out: string[] = [];
  let current: string | undefined;
  for (const key of catalog.keys) {
    const title = section(key, catalog);
    if (title !== current) {
      current = title;
      out.push('', `### ${title}`, '', '| key | environment variable | type | default | description |');
      out.push('|---|---|---|---|---|');
    }
    out.push(tableRow(key));
  }
  return out.join('\n');
}

/** What the page is and where the schemas live. */
function introSection(): string {
  return `# Configuration

<!-- Generated from the config schemas of core and of Lift's modules by ${GENERATE_COMMAND}; do not edit by hand. -->

Every option Lift has is listed on this page with its default and why it exists. The zod schemas are the single
source: core's sections in \`packages/server/src/core/config/schema.ts\`, and each module's own sections in its
\`config.ts\` (\`sessions/config.ts\`, \`identity/config.ts\`, \`access/config.ts\`, \`tokens/config.ts\`). This page and
\`.env.example\` are generated from them, and a test fails when they fall behind.

An app has the sections of core and of the modules it has (\`createLift(config, { modules })\`; by default all four,
as listed here). Setting a key of a module the app leaves out is a configuration error, like any unknown key: an
operator who sets \`LIFT_TOKENS__ISSUER\` believes tokens are on, so silence would hide a mistake. The error names
the key, its source and that no module of the app owns the section. The \`lift\` command reads the config before
it loads the app: it knows the sections of Lift's own modules and keeps the values of any other section (an app's
own module's \`LIFT_NOTES__*\`) for the app's module list to read and validate.

`;
}

/** Where values come from, which wins, and how problems are reported. */
function sourcesSection(): string {
  const [tsFile, jsFile, jsonFile] = CONFIG_FILE_NAMES;
  return `## Sources and precedence

A value is taken from the highest of these sources that sets it (lowest first):

1. **defaults** from the schema (the table below);
2. **the config file**: \`${tsFile}\`, \`${jsFile}\` or \`${jsonFile}\` in the working directory (the first one found, in
   that order), or the file given explicitly (\`configFile\`). A \`.ts\`/\`.js\` file's default export is the config object
   or a function (sync or async) returning it;
3. **the environment** (\`LIFT_*\` variables, see below);
4. **command-line flags**.

Precedence is decided per key, so \`LIFT_HTTP__BODY_LIMIT__MAX_BYTES\` overrides only that key of the file's \`http\`
section. \`createLift(config)\` validates an object passed in code by the same rules (errors name the source
\`createLift\`). \`lift config print\` shows the effective configuration with secrets redacted (\`***\` for the keys the
schema marks secret — today \`secret\` — and \`postgres://user:***@host\` for passwords inside URLs; TTLs and switches are
shown as they are), optionally with the source of every key.

All problems are reported together in one \`LIFT_CONFIG_INVALID\` error, each naming the key and its source:

\`\`\`
Invalid configuration (2 problems):
  - http.bodyLimit.maxBytes from env LIFT_HTTP__BODY_LIMIT__MAX_BYTES: must be >= 0, got -1
  - http.bodyLimt from lift.config.json: unknown key (did you mean http.bodyLimit?)
\`\`\`

The \`lift\` command prints one problem on one line (\`lift: invalid configuration: port from env LIFT_PORT: must be a
number, got "abc"\`) and several as the list above under \`lift: invalid configuration (N problems):\`.

`;
}

/** How keys map to `LIFT_*` variables. */
function environmentSection(): string {
  return `## Environment variables

- The name is \`LIFT_\` followed by the key path in upper snake case, with \`__\` between nesting levels:
  \`dataDir\` → \`LIFT_DATA_DIR\`, \`storage.url\` → \`LIFT_STORAGE__URL\`, \`http.bodyLimit.maxBytes\` →
  \`LIFT_HTTP__BODY_LIMIT__MAX_BYTES\`.
- Booleans are \`true\`, \`false\`, \`1\` or \`0\`. Lists are a JSON array (\`["a","b"]\`) or comma-separated (\`a,b\`);
  \`[]\` is the empty list.
- An empty variable counts as not set, except for a string key with a non-empty default, where it sets the empty
  string (\`LIFT_HTTP__SECURITY_HEADERS__CONTENT_SECURITY_POLICY=\` switches the header off).
- \`PORT\` is accepted as an alias of \`LIFT_PORT\`; \`LIFT_PORT\` wins when both are set.
- \`LIFT_ENV\` sets the mode. Without it, \`NODE_ENV=production\` or \`NODE_ENV=test\` carries over (as an environment
  value, so it overrides \`env\` in the config file); any other \`NODE_ENV\` leaves development mode and is warned about.
- An unknown \`LIFT_*\` variable stops startup with an error naming it, so a typo is never silently ignored. Left
  alone: ${ENV_ALLOWLIST_PREFIXES.map((p) => `\`${p}*\``).join(', ')} (read by the test suites, e.g. \`LIFT_TEST_POSTGRES_URL\`).

`;
}

/** The root secret per mode, and changing it. */
function rootSecretSection(): string {
  return `## The root secret

Lift derives every key it needs from one root secret with HKDF-SHA256, one derived key per purpose: today the keys
that seal TOTP secrets, private signing keys and refresh-token successors at rest.

- **development**: when \`secret\` is not set, Lift generates ${MIN_SECRET_BYTES} random bytes once, stores them
  base64url-encoded in \`<dataDir>/${SECRET_FILE_NAME}\` (file mode 0600, directory 0700), reuses them on every later start
  and logs a warning saying so. A weak configured secret is used, with a warning.
- **test**: when \`secret\` is not set, every app gets a fresh random secret held in memory only; nothing is written.
- **production**: Lift refuses to start when the secret is missing, shorter than ${MIN_SECRET_BYTES} bytes (counted as UTF-8
  bytes; a value prefixed \`base64:\` is decoded first), or equal to the placeholder in \`.env.example\`. Make one with

  \`\`\`sh
  node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"
  # or
  openssl rand -base64 32
  \`\`\`

- **changing it**: \`secretPrevious\` (\`LIFT_SECRET_PREVIOUS\`, comma-separated) lists earlier secrets that still open
  what was sealed (MFA secrets, private signing keys) but never seal anything new; \`lift secret reseal\` re-seals
  every stored value with the current secret, after which the previous one can be dropped. The start refuses, in
  one line, a secret that opens none of the database's sealed values. The procedure for a live deployment, without
  downtime: [operations.md](operations.md#changing-the-root-secret).

`;
}

/** A config file and the same through the environment. */
function examplesSection(): string {
  return `## Examples

\`lift.config.ts\`:

\`\`\`ts
export default {
  port: 8080,
  storage: { url: 'postgres://lift@db.internal/lift', kv: 'redis://cache.internal:6379' },
  http: { cors: { origins: ['https://app.example.com'], credentials: true } },
};
\`\`\`

The same through the environment:

\`\`\`sh
LIFT_ENV=production
LIFT_SECRET=base64:…            # from openssl rand -base64 32
PORT=8080
LIFT_STORAGE__URL=postgres://lift@db.internal/lift
LIFT_STORAGE__KV=redis://cache.internal:6379
LIFT_HTTP__CORS__ORIGINS=https://app.example.com
LIFT_HTTP__CORS__CREDENTIALS=true
\`\`\`

`;
}

export function renderConfigurationDoc(catalog: ConfigCatalog): string {
  const sections = [
    introSection(),
    sourcesSection(),
    environmentSection(),
    rootSecretSection(),
    examplesSection(),
  ];
  return `${sections.join('')}## Options\n${tables(catalog)}\n`;
}

function envValue(value: unknown): string {
  if (value === undefined) return '';
  const text = Array.isArray(value) ? value.join(',') : String(value);
  return /[\s'"#]/.test(text) ? JSON.stringify(text) : text;
}

export function renderEnvExample(catalog: ConfigCatalog): string {
  const lines = [
    '# Lift configuration through the environment. Generated from the config schema by',
    `#   ${GENERATE_COMMAND}`,
    '# Every variable is commented out and shows its default; uncomment the ones you change.',
    '# Naming, precedence and the secret rules: docs/configuration.md.',
    '#',
    '# PORT is accepted as an alias of LIFT_PORT; without LIFT_ENV, NODE_ENV=production or test sets the mode.',
  ];
  for (const key of catalog.keys) {
    lines.push('', `# ${key.key}: ${key.description}`);
    if (key.key === 'secret') {
      lines.push(
        '# Required in production, where this placeholder is refused. Make one with: openssl rand -base64 32',
        `# LIFT_SECRET=${EXAMPLE_SECRET}`,
      );
    } else {
      lines.push(`# ${key.envVar}=${envValue(key.defaultValue)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
