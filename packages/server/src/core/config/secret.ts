import { hkdfSync } from 'node:crypto';
import { chmod, link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cryptoRandom, type RandomSource } from '../crypto/random.ts';
import { LiftConfigError } from '../errors.ts';
import type { LiftConfig } from './schema.ts';

/**
 * The root secret every Lift key is derived from (see deriveKey). Development and test may run without one:
 * a random secret is generated once and kept in the data directory, so sessions survive restarts. Production
 * never guesses: it refuses to start without a strong secret of its own.
 */

/** Bytes of key material a root secret must carry. */
export const MIN_SECRET_BYTES = 32;

/** The placeholder in .env.example; refused in production because it is public. */
export const EXAMPLE_SECRET = 'change-me-generate-with-openssl-rand-base64-32';

/** File in the data directory holding the generated development secret. */
export const SECRET_FILE_NAME = 'secret';

export const HOW_TO_MAKE_A_SECRET =
  "generate one with: node -e \"console.log(require('crypto').randomBytes(32).toString('base64url'))\" " +
  'or: openssl rand -base64 32 (and prefix it with base64: to have it decoded)';

export interface ResolveRootSecretOptions {
  /** Mode deciding the rules; default `config.env`. */
  env?: LiftConfig['env'];
  /** Where a development secret is kept; default `config.dataDir` resolved against the working directory. */
  dataDir?: string;
  /** Receives the warnings also returned in `warnings`: a function, or a logger's `warn` (pino works). */
  log?: ((message: string) => void) | { warn(message: string): void };
  random?: RandomSource;
}

export interface RootSecret {
  secret: Buffer;
  /** True when this call created a new secret file. */
  generated: boolean;
  /**
   * `config`: the configured secret. `file`: the development secret in the data directory. `ephemeral`: test
   * mode without a secret — random, in memory only.
   */
  source: 'config' | 'file' | 'ephemeral';
  /**
   * Earlier root secrets (`secretPrevious`), current one removed: what they sealed still opens, nothing new is
   * sealed with them. Empty unless a root secret change is under way.
   */
  previous: Buffer[];
  /** Absolute path of the secret file when `source` is `file`. */
  file?: string;
  warnings: string[];
}

export async function resolveRootSecret(
  config: Pick<LiftConfig, 'env' | 'secret' | 'dataDir'> & Partial<Pick<LiftConfig, 'secretPrevious'>>,
  options: ResolveRootSecretOptions = {},
): Promise<RootSecret> {
  const current = await resolveCurrentSecret(config, options);
  const env = options.env ?? config.env;
  const previous: Buffer[] = [];
  for (const value of config.secretPrevious ?? []) {
    const secret = decodeSecret(value);
    const weakness = secretWeakness(value, secret);
    // A previous secret was once a current one, so production holds it to the same rule; a weak one here is a
    // paste error, not a secret that ever sealed anything.
    if (weakness && env === 'production') {
      throw new LiftConfigError(`secretPrevious (LIFT_SECRET_PREVIOUS): an entry ${weakness}`);
    }
    if (!secret.equals(current.secret) && !previous.some((known) => known.equals(secret))) {
      previous.push(secret);
    }
  }
  return { ...current, previous };
}

async function resolveCurrentSecret(
  config: Pick<LiftConfig, 'env' | 'secret' | 'dataDir'>,
  options: ResolveRootSecretOptions,
): Promise<Omit<RootSecret, 'previous'>> {
  const env = options.env ?? config.env;
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    const log = options.log;
    if (typeof log === 'function') log(message);
    else log?.warn(message);
  };

  if (config.secret !== undefined && config.secret !== '') {
    const secret = decodeSecret(config.secret);
    const weakness = secretWeakness(config.secret, secret);
    if (weakness && env === 'production') {
      throw new LiftConfigError(`secret (LIFT_SECRET): ${weakness}; ${HOW_TO_MAKE_A_SECRET}`);
    }
    if (weakness) warn(`secret (LIFT_SECRET): ${weakness}; production would refuse to start with it`);
    return { secret, generated: false, source: 'config', warnings };
  }
  if (env === 'production') {
    throw new LiftConfigError(
      `secret (LIFT_SECRET) is required in production, at least ${MIN_SECRET_BYTES} bytes; ${HOW_TO_MAKE_A_SECRET}`,
    );
  }

  if (env === 'test') {
    // Tests get a fresh secret per app and leave nothing behind in the data directory.
    return {
      secret: (options.random ?? cryptoRandom).bytes(MIN_SECRET_BYTES),
      generated: true,
      source: 'ephemeral',
      warnings,
    };
  }

  const file = path.join(path.resolve(options.dataDir ?? config.dataDir), SECRET_FILE_NAME);
  const existing = await readSecretFile(file);
  if (existing) {
    if (existing.loose) warn(`${file} is readable by other users; run: chmod 600 ${file}`);
    return { secret: existing.secret, generated: false, source: 'file', file, warnings };
  }
  const created = await createSecretFile(file, options.random ?? cryptoRandom);
  if (created.generated) {
    warn(
      `No secret configured: generated a development secret and stored it in ${file} (mode 0600); ` +
        `it is reused on the next start. Production requires LIFT_SECRET.`,
    );
  }
  return { secret: created.secret, generated: created.generated, source: 'file', file, warnings };
}

/** `base64:<data>` is decoded; any other value is used as its UTF-8 bytes. */
export function decodeSecret(value: string): Buffer {
  if (value.startsWith('base64:')) return Buffer.from(value.slice('base64:'.length), 'base64');
  return Buffer.from(value, 'utf8');
}

function secretWeakness(value: string, bytes: Buffer): string | undefined {
  if (value === EXAMPLE_SECRET) return 'is the public example value from .env.example';
  if (bytes.length < MIN_SECRET_BYTES) {
    return `is ${bytes.length} bytes, shorter than the required ${MIN_SECRET_BYTES} bytes`;
  }
  return undefined;
}

async function readSecretFile(file: string): Promise<{ secret: Buffer; loose: boolean } | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isErrorCode(error, 'ENOENT')) return undefined;
    throw error;
  }
  const secret = Buffer.from(text.trim(), 'base64url');
  if (secret.length < MIN_SECRET_BYTES) {
    throw new LiftConfigError(
      `${file} does not hold a ${MIN_SECRET_BYTES}-byte secret; delete it to have a new one generated ` +
        '(sessions and tokens signed with the old one stop working) or set LIFT_SECRET',
    );
  }
  const loose = process.platform !== 'win32' && ((await stat(file)).mode & 0o077) !== 0;
  return { secret, loose };
}

/**
 * Writes the secret to a private temporary file and links it into place: link fails if the file exists, so
 * when several workers start at once exactly one secret wins and nobody reads a half-written file.
 */
async function createSecretFile(
  file: string,
  random: RandomSource,
): Promise<{ secret: Buffer; generated: boolean }> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const secret = random.bytes(MIN_SECRET_BYTES);
  const temporary = `${file}.${process.pid}.${random.bytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, `${secret.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await chmod(temporary, 0o600);
    await link(temporary, file);
    return { secret, generated: true };
  } catch (error) {
    if (!isErrorCode(error, 'EEXIST')) throw error;
    const winner = await readSecretFile(file);
    if (!winner) throw error;
    return { secret: winner.secret, generated: false };
  } finally {
    await unlink(temporary);
  }
}

function isErrorCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

/**
 * A key for one purpose (`session-cookie`, `totp-encryption`, …) derived from the root secret with
 * HKDF-SHA256 (RFC 5869). Different purposes give unrelated keys, so one leaked derived key reveals neither
 * the root secret nor its siblings.
 */
export function deriveKey(rootSecret: Buffer, purpose: string, length = 32): Buffer {
  if (purpose === '') throw new LiftConfigError('deriveKey needs a non-empty purpose');
  return Buffer.from(hkdfSync('sha256', rootSecret, 'lift/v1', purpose, length));
}
