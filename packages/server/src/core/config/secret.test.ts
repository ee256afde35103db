import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RandomSource } from '../crypto/random.ts';
import { LiftConfigError } from '../errors.ts';
import { deriveKey, EXAMPLE_SECRET, resolveRootSecret } from './secret.ts';

const GOOD_SECRET = 'a-production-secret-of-at-least-32-bytes!';

function dataDir(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'lift-secret-')), 'data');
}

function production(secret: string | undefined) {
  return resolveRootSecret({ env: 'production', secret, dataDir: dataDir() });
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LiftConfigError);
  return (error as LiftConfigError).message;
}

describe('resolveRootSecret in production', () => {
  it('refuses a missing secret and says how to make one', async () => {
    const message = await refusal(production(undefined));
    expect(message).toContain('required in production');
    expect(message).toContain("require('crypto').randomBytes(32).toString('base64url')");
    expect(message).toContain('openssl rand -base64 32');
  });

  it('refuses a secret shorter than 32 bytes, counting UTF-8 bytes', async () => {
    expect(await refusal(production('x'.repeat(31)))).toContain('is 31 bytes, shorter than the required 32');
    // 16 two-byte characters are 32 bytes: long enough.
    expect((await production('é'.repeat(16))).secret).toHaveLength(32);
  });

  it('decodes base64:-prefixed secrets before counting', async () => {
    const key = Buffer.alloc(32, 7);
    const resolved = await production(`base64:${key.toString('base64')}`);
    expect(resolved.secret.equals(key)).toBe(true);
    expect(await refusal(production(`base64:${Buffer.alloc(16).toString('base64')}`))).toContain('16 bytes');
  });

  it('refuses the placeholder from .env.example', async () => {
    expect(await refusal(production(EXAMPLE_SECRET))).toContain('example value');
  });

  it('takes previous secrets (decoded, without the current one or repeats) and refuses a weak one', async () => {
    const old = Buffer.alloc(32, 3);
    const resolved = await resolveRootSecret({
      env: 'production',
      secret: GOOD_SECRET,
      secretPrevious: [`base64:${old.toString('base64')}`, GOOD_SECRET, `base64:${old.toString('base64')}`],
      dataDir: dataDir(),
    });
    expect(resolved.secret.toString('utf8')).toBe(GOOD_SECRET);
    expect(resolved.previous).toEqual([old]);
    const weak = resolveRootSecret({
      env: 'production',
      secret: GOOD_SECRET,
      secretPrevious: ['short'],
      dataDir: dataDir(),
    });
    expect(await refusal(weak)).toContain('secretPrevious (LIFT_SECRET_PREVIOUS): an entry is 5 bytes');
  });

  it('accepts a strong secret and never writes a file', async () => {
    const dir = dataDir();
    const resolved = await resolveRootSecret({ env: 'production', secret: GOOD_SECRET, dataDir: dir });
    expect(resolved).toMatchObject({ generated: false, source: 'config', warnings: [] });
    expect(resolved.secret.toString('utf8')).toBe(GOOD_SECRET);
    expect(() => statSync(dir)).toThrow();
  });
});

describe('resolveRootSecret in development and test', () => {
  it('generates a secret once with mode 0600 and reuses it', async () => {
    const dir = dataDir();
    const logged: string[] = [];
    const first = await resolveRootSecret(
      { env: 'development', secret: undefined, dataDir: dir },
      { log: (message) => logged.push(message) },
    );
    const file = path.join(dir, 'secret');
    expect(first).toMatchObject({ generated: true, source: 'file', file });
    expect(first.secret).toHaveLength(32);
    expect(first.warnings[0]).toContain(`stored it in ${file}`);
    expect(logged).toEqual(first.warnings);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url').equals(first.secret)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);

    const second = await resolveRootSecret({ env: 'development', secret: undefined, dataDir: dir });
    expect(second).toMatchObject({ generated: false, source: 'file', warnings: [] });
    expect(second.secret.equals(first.secret)).toBe(true);
  });

  it('gives test mode a fresh in-memory secret and writes nothing', async () => {
    const dir = dataDir();
    const one = await resolveRootSecret({ env: 'test', secret: undefined, dataDir: dir });
    const two = await resolveRootSecret({ env: 'test', secret: undefined, dataDir: dir });
    expect(one).toMatchObject({ source: 'ephemeral', warnings: [] });
    expect(one.secret).toHaveLength(32);
    expect(one.secret.equals(two.secret)).toBe(false);
    expect(existsSync(path.join(dir, 'secret'))).toBe(false);
  });

  it('lets concurrent starts agree on one secret', async () => {
    const dir = dataDir();
    const config = { env: 'development' as const, secret: undefined, dataDir: dir };
    const results = await Promise.all([1, 2, 3, 4].map(() => resolveRootSecret(config)));
    expect(results.filter((r) => r.generated)).toHaveLength(1);
    for (const result of results) expect(result.secret.equals(results[0]!.secret)).toBe(true);
  });

  it('uses the injected random source', async () => {
    const random: RandomSource = { bytes: (n) => Buffer.alloc(n, 9) };
    const resolved = await resolveRootSecret(
      { env: 'development', secret: undefined, dataDir: dataDir() },
      { random },
    );
    expect(resolved.secret.equals(Buffer.alloc(32, 9))).toBe(true);
  });

  it('refuses a corrupted secret file instead of silently replacing it', async () => {
    const dir = dataDir();
    await resolveRootSecret({ env: 'development', secret: undefined, dataDir: dir });
    writeFileSync(path.join(dir, 'secret'), 'short\n');
    const message = await refusal(resolveRootSecret({ env: 'development', secret: undefined, dataDir: dir }));
    expect(message).toContain('does not hold a 32-byte secret');
  });

  it('uses a weak configured secret with a warning that production would refuse it', async () => {
    const resolved = await resolveRootSecret({ env: 'development', secret: 'short', dataDir: dataDir() });
    expect(resolved.source).toBe('config');
    expect(resolved.warnings[0]).toContain('production would refuse');
  });

  it('passes warnings to a logger object', async () => {
    const warned: string[] = [];
    await resolveRootSecret(
      { env: 'development', secret: undefined, dataDir: dataDir() },
      { log: { warn: (message: string) => warned.push(message) } },
    );
    expect(warned).toHaveLength(1);
  });
});

describe('deriveKey', () => {
  const root = Buffer.from(GOOD_SECRET);

  it('is stable for the same secret and purpose', () => {
    expect(deriveKey(root, 'session-cookie').equals(deriveKey(root, 'session-cookie'))).toBe(true);
    expect(deriveKey(root, 'session-cookie')).toHaveLength(32);
    expect(deriveKey(root, 'session-cookie', 64)).toHaveLength(64);
  });

  it('gives unrelated keys for different purposes and secrets', () => {
    const cookie = deriveKey(root, 'session-cookie');
    expect(cookie.equals(deriveKey(root, 'totp-encryption'))).toBe(false);
    expect(cookie.equals(deriveKey(Buffer.from(`${GOOD_SECRET}x`), 'session-cookie'))).toBe(false);
    expect(cookie.equals(root.subarray(0, 32))).toBe(false);
  });

  it('is HKDF-SHA256 (RFC 5869) with salt lift/v1 and the purpose as info, pinned to a fixed vector', () => {
    const ikm = Buffer.alloc(32, 1);
    const prk = createHmac('sha256', 'lift/v1').update(ikm).digest();
    const okm = createHmac('sha256', prk)
      .update('test')
      .update(Buffer.from([1]))
      .digest();
    expect(deriveKey(ikm, 'test').equals(okm)).toBe(true);
    expect(okm.toString('hex')).toBe('bdd8ccf776fc4933af581c73e516045170c8ee87182c24bd3e35a463e4e869ea');
  });

  it('refuses an empty purpose', () => {
    expect(() => deriveKey(root, '')).toThrow(LiftConfigError);
  });
});
