import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LiftConfigError } from '../errors.ts';
import { loadConfig, parseConfig } from './load.ts';

function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lift-config-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

async function loadError(promise: Promise<unknown>): Promise<LiftConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LiftConfigError);
  return error as LiftConfigError;
}

describe('loadConfig precedence', () => {
  const file = JSON.stringify({ port: 4001, http: { bodyLimit: { maxBytes: 10 } } });

  it('uses the schema default when nothing sets a key', async () => {
    const loaded = await loadConfig({ cwd: tempDir(), env: {} });
    expect(loaded.config.port).toBe(3000);
    expect(loaded.sources.port).toBe('default');
    expect(loaded.configFile).toBeUndefined();
  });

  it('lets the file override the default', async () => {
    const cwd = tempDir({ 'lift.config.json': file });
    const loaded = await loadConfig({ cwd, env: {} });
    expect(loaded.config.port).toBe(4001);
    expect(loaded.sources.port).toBe('file');
    expect(loaded.configFile).toBe(path.join(cwd, 'lift.config.json'));
  });

  it('lets the environment override the file', async () => {
    const cwd = tempDir({ 'lift.config.json': file });
    const loaded = await loadConfig({ cwd, env: { LIFT_PORT: '4002' } });
    expect(loaded.config.port).toBe(4002);
    expect(loaded.sources.port).toBe('env');
    // Only the key the environment names moves; the file's other keys stay.
    expect(loaded.config.http.bodyLimit.maxBytes).toBe(10);
    expect(loaded.sources['http.bodyLimit.maxBytes']).toBe('file');
  });

  it('lets flags override the environment', async () => {
    const cwd = tempDir({ 'lift.config.json': file });
    const loaded = await loadConfig({
      cwd,
      env: { LIFT_PORT: '4002' },
      flags: { port: 4003, host: undefined },
    });
    expect(loaded.config.port).toBe(4003);
    expect(loaded.sources.port).toBe('flag');
    expect(loaded.sources.host).toBe('default');
  });
});

describe('config files', () => {
  it('reads lift.config.ts with types', async () => {
    const cwd = tempDir({
      'lift.config.ts': 'const port: number = 4100;\nexport default { port, log: { level: "debug" } };\n',
    });
    const loaded = await loadConfig({ cwd, env: {} });
    expect(loaded.config.port).toBe(4100);
    expect(loaded.config.log.level).toBe('debug');
  });

  it('reads lift.config.js whose default export is a function', async () => {
    const cwd = tempDir({ 'lift.config.js': 'export default async () => ({ workers: 3 });\n' });
    const loaded = await loadConfig({ cwd, env: {} });
    expect(loaded.config.workers).toBe(3);
    expect(loaded.sources.workers).toBe('file');
  });

  it('reads an explicit config file relative to cwd', async () => {
    const cwd = tempDir({ 'other.json': JSON.stringify({ host: '0.0.0.0' }) });
    const loaded = await loadConfig({ cwd, env: {}, configFile: 'other.json' });
    expect(loaded.config.host).toBe('0.0.0.0');
    expect(loaded.configFile).toBe(path.join(cwd, 'other.json'));
  });

  it('prefers .ts over .json and warns about the ignored file', async () => {
    const cwd = tempDir({
      'lift.config.ts': 'export default { port: 1 };',
      'lift.config.json': '{"port": 2}',
    });
    const loaded = await loadConfig({ cwd, env: {} });
    expect(loaded.config.port).toBe(1);
    expect(loaded.warnings.join('\n')).toContain('ignoring lift.config.json');
  });

  it('names an unknown key in the file with its path and suggests the right one', async () => {
    const cwd = tempDir({
      'lift.config.json': JSON.stringify({ http: { bodyLimt: { maxBytes: 1 } }, prot: 1 }),
    });
    const error = await loadError(loadConfig({ cwd, env: {} }));
    expect(error.message).toContain(
      'http.bodyLimt from lift.config.json: unknown key (did you mean http.bodyLimit?)',
    );
    expect(error.message).toContain('prot from lift.config.json: unknown key (did you mean port?)');
  });

  it('names the file for an invalid value', async () => {
    const cwd = tempDir({ 'lift.config.json': JSON.stringify({ port: 'eighty' }) });
    const error = await loadError(loadConfig({ cwd, env: {} }));
    expect(error.message).toContain('port from lift.config.json: must be a number, got "eighty"');
  });

  it('reports a missing explicit file and broken JSON', async () => {
    const cwd = tempDir({ 'lift.config.json': '{ "port": ' });
    expect((await loadError(loadConfig({ cwd, env: {} }))).message).toContain(
      'lift.config.json: is not valid JSON',
    );
    const missing = await loadError(loadConfig({ cwd, env: {}, configFile: 'nope.json' }));
    expect(missing.message).toContain('config file not found');
  });
});

describe('environment', () => {
  it('maps nested snake_case variables to camelCase keys', async () => {
    const loaded = await loadConfig({
      cwd: tempDir(),
      env: {
        LIFT_HTTP__BODY_LIMIT__MAX_BYTES: '5',
        LIFT_DATA_DIR: '/var/lib/lift',
        LIFT_STORAGE__URL: 'postgres://lift@db/lift',
        LIFT_HTTP__SECURITY_HEADERS__HSTS_MAX_AGE_SECONDS: '60',
      },
    });
    expect(loaded.config.http.bodyLimit.maxBytes).toBe(5);
    expect(loaded.config.dataDir).toBe('/var/lib/lift');
    expect(loaded.config.storage.url).toBe('postgres://lift@db/lift');
    expect(loaded.config.http.securityHeaders.hstsMaxAgeSeconds).toBe(60);
  });

  it('reads arrays as JSON or comma-separated lists', async () => {
    const env = {
      LIFT_HTTP__CORS__ORIGINS: '["https://a.example", "https://b.example"]',
      LIFT_HTTP__CLIENT_IP__TRUSTED_PROXIES: '10.0.0.0/8, 192.168.0.1',
      LIFT_HTTP__CORS__EXPOSE_HEADERS: '[]',
    };
    const { config } = await loadConfig({ cwd: tempDir(), env });
    expect(config.http.cors.origins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.http.clientIp.trustedProxies).toEqual(['10.0.0.0/8', '192.168.0.1']);
    expect(config.http.cors.exposeHeaders).toEqual([]);
  });

  it('reads booleans as true/false/1/0 and refuses anything else', async () => {
    const env = { LIFT_HTTP__CORS__CREDENTIALS: '1', LIFT_HTTP__ACCESS_LOG__ENABLED: 'false' };
    const { config } = await loadConfig({ cwd: tempDir(), env });
    expect(config.http.cors.credentials).toBe(true);
    expect(config.http.accessLog.enabled).toBe(false);
    const error = await loadError(loadConfig({ cwd: tempDir(), env: { LIFT_HTTP__CORS__ENABLED: 'yes' } }));
    expect(error.message).toContain(
      'http.cors.enabled from env LIFT_HTTP__CORS__ENABLED: must be true, false, 1 or 0',
    );
  });

  it('treats an empty variable as unset, except where empty is a meaningful string', async () => {
    const env = { LIFT_PORT: '', LIFT_SECRET: '', LIFT_HTTP__SECURITY_HEADERS__CONTENT_SECURITY_POLICY: '' };
    const loaded = await loadConfig({ cwd: tempDir(), env });
    expect(loaded.sources.port).toBe('default');
    expect(loaded.config.secret).toBeUndefined();
    expect(loaded.config.http.securityHeaders.contentSecurityPolicy).toBe('');
  });

  it('accepts PORT as an alias and lets LIFT_PORT win', async () => {
    expect((await loadConfig({ cwd: tempDir(), env: { PORT: '8080' } })).config.port).toBe(8080);
    const both = await loadConfig({ cwd: tempDir(), env: { PORT: '8080', LIFT_PORT: '9090' } });
    expect(both.config.port).toBe(9090);
    expect(both.warnings.join('\n')).toContain('using LIFT_PORT');
  });

  it('takes the mode from LIFT_ENV, else from NODE_ENV production or test', async () => {
    const mode = async (env: NodeJS.ProcessEnv) => (await loadConfig({ cwd: tempDir(), env })).config.env;
    expect(await mode({ NODE_ENV: 'production' })).toBe('production');
    expect(await mode({ NODE_ENV: 'test' })).toBe('test');
    expect(await mode({ NODE_ENV: 'production', LIFT_ENV: 'development' })).toBe('development');
    expect(await mode({ LIFT_ENV: 'production' })).toBe('production');
    const staging = await loadConfig({ cwd: tempDir(), env: { NODE_ENV: 'staging' } });
    expect(staging.config.env).toBe('development');
    expect(staging.warnings.join('\n')).toContain('NODE_ENV=staging');
  });

  it('refuses an unknown LIFT_ variable by name, but leaves LIFT_TEST_* alone', async () => {
    const error = await loadError(
      loadConfig({
        cwd: tempDir(),
        env: { LIFT_HTTP__BODYLIMIT__MAX_BYTES: '5', LIFT_TEST_REDIS_URL: 'redis://x' },
      }),
    );
    expect(error.code).toBe('LIFT_CONFIG_INVALID');
    expect(error.message).toContain('env LIFT_HTTP__BODYLIMIT__MAX_BYTES: unknown variable');
    expect(error.message).toContain('did you mean LIFT_HTTP__BODY_LIMIT__MAX_BYTES?');
    expect(error.message).not.toContain('LIFT_TEST_REDIS_URL');
  });

  it('lists every problem in one error, each with key and source', async () => {
    const cwd = tempDir({ 'lift.config.json': JSON.stringify({ workers: 0 }) });
    const env = { LIFT_HTTP__BODY_LIMIT__MAX_BYTES: '-1', LIFT_LOG__LEVEL: 'loud' };
    const error = await loadError(loadConfig({ cwd, env, flags: { port: 70000 } }));
    expect(error.message).toContain('Invalid configuration (4 problems)');
    expect(error.message).toContain(
      'http.bodyLimit.maxBytes from env LIFT_HTTP__BODY_LIMIT__MAX_BYTES: must be >= 0',
    );
    expect(error.message).toContain('workers from lift.config.json: must be >= 1');
    expect(error.message).toContain('log.level from env LIFT_LOG__LEVEL: must be one of fatal, error');
    expect(error.message).toContain('port from flags: must be <= 65535');
    expect(error.extensions.problems).toHaveLength(4);
  });

  it('never echoes a secret value in an error', async () => {
    const error = await loadError(
      loadConfig({ cwd: tempDir(), env: {}, flags: { secret: 42 as unknown as string } }),
    );
    expect(error.message).toContain('secret from flags: must be a string, got "***"');
  });
});

describe('parseConfig', () => {
  it('fills defaults and validates with the source createLift', () => {
    expect(parseConfig({ port: 1234 }).port).toBe(1234);
    expect(parseConfig({}).http.timeout.ms).toBe(30_000);
    expect(() => parseConfig({ htpp: {} })).toThrow('htpp from createLift: unknown key (did you mean http?)');
  });

  it('accepts an already loaded config unchanged', async () => {
    const { config } = await loadConfig({ cwd: tempDir(), env: { LIFT_STORAGE__KV: 'memory:' } });
    expect(parseConfig(config)).toEqual(config);
  });
});
