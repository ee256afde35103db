import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configCatalog } from './catalog.ts';
import { durationMs, secretKey } from './config-fields.ts';
import { loadConfig } from './load.ts';
import { formatConfig } from './print.ts';
import { isSecretKey, redactUrlPasswords } from './redact.ts';

const SECRET = 'super-secret-root-value-0123456789abcdef';
const DB_PASSWORD = 'db-pa55word';
const REDIS_PASSWORD = 'redis-pa55';
const PREVIOUS = ['previous-root-value-one-0123456789abcdef', 'previous-root-value-two-0123456789abcdef'];

async function loaded() {
  const cwd = mkdtempSync(path.join(tmpdir(), 'lift-print-'));
  return loadConfig({
    cwd,
    env: {
      LIFT_SECRET: SECRET,
      LIFT_SECRET_PREVIOUS: PREVIOUS.join(','),
      LIFT_STORAGE__URL: `postgres://lift:${DB_PASSWORD}@db.internal:5432/lift`,
      LIFT_STORAGE__KV: `redis://:${REDIS_PASSWORD}@cache.internal:6379/0`,
    },
    flags: { port: 8080 },
  });
}

describe('formatConfig', () => {
  it('prints the effective config as JSON with secrets and URL passwords redacted', async () => {
    const text = formatConfig(await loaded());
    for (const hidden of [SECRET, ...PREVIOUS, DB_PASSWORD, REDIS_PASSWORD])
      expect(text).not.toContain(hidden);
    const printed = JSON.parse(text);
    expect(printed.secret).toBe('***');
    // One mask per previous secret: how many there are is not a secret, and none reads as none.
    expect(printed.secretPrevious).toEqual(['***', '***']);
    expect(printed.storage.url).toBe('postgres://lift:***@db.internal:5432/lift');
    expect(printed.storage.kv).toBe('redis://:***@cache.internal:6379/0');
    expect(printed.port).toBe(8080);
    expect(printed.http.cors.allowHeaders).toContain('authorization');
    // Unset optional keys are listed, so the output names every key.
    expect(printed.app).toBeNull();
  });

  it('prints the source of every key on request, still redacted', async () => {
    const text = formatConfig(await loaded(), { sources: true });
    for (const hidden of [SECRET, DB_PASSWORD, REDIS_PASSWORD]) expect(text).not.toContain(hidden);
    const printed = JSON.parse(text);
    expect(printed.port).toEqual({ value: 8080, source: 'flag' });
    expect(printed.secret).toEqual({ value: '***', source: 'env' });
    expect(printed['http.bodyLimit.maxBytes']).toEqual({ value: 1_048_576, source: 'default' });
  });
});

describe('redaction rules', () => {
  it('shows an empty list of secrets as empty', async () => {
    const printed = JSON.parse(
      formatConfig(await loadConfig({ cwd: mkdtempSync(path.join(tmpdir(), 'lift-print-')), env: {} })),
    );
    expect(printed.secretPrevious).toEqual([]);
  });

  it('hides exactly the keys the schema marks secret, whatever their names', () => {
    // A module's section marks its own secrets the same way.
    const webhooks = z
      .strictObject({
        signingKey: secretKey(z.string().optional(), 'Key that signs outgoing webhooks.'),
        tokenTtlMs: durationMs(60_000, 'Lifetime of a webhook delivery token.'),
      })
      .prefault({});
    const catalog = configCatalog([{ name: 'webhooks', config: { webhooks } }]);
    expect(catalog.keys.filter((key) => key.secret).map((key) => key.key)).toEqual([
      'secret',
      'secretPrevious',
      'webhooks.signingKey',
    ]);
    expect(isSecretKey('webhooks.tokenTtlMs', catalog)).toBe(false);
    expect(isSecretKey('secret', catalog)).toBe(true);
    // Named after tokens and credentials, but a lifetime and a switch: shown.
    expect(isSecretKey('auth.resetTokenTtlMs', catalog)).toBe(false);
    expect(isSecretKey('http.cors.credentials', catalog)).toBe(false);
  });

  it('masks only the password of a URL, including one with an @ in it', () => {
    expect(redactUrlPasswords('postgres://user:pass@host/db')).toBe('postgres://user:***@host/db');
    expect(redactUrlPasswords('postgres://user:p@ss@host/db?x=a@b')).toBe(
      'postgres://user:***@host/db?x=a@b',
    );
    expect(redactUrlPasswords('postgres://user@host/db')).toBe('postgres://user@host/db');
    expect(redactUrlPasswords('sqlite:./.lift/lift.db')).toBe('sqlite:./.lift/lift.db');
  });
});
