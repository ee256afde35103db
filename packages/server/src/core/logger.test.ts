import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, createRedactor, REDACTED, redact, redactUrl } from './logger.ts';

/** A destination that keeps every line pino writes, so tests read exactly what an operator would. */
function captureLines(): { stream: Writable; lines: () => Record<string, unknown>[]; raw: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const raw = () => chunks.join('');
  const lines = () =>
    raw()
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines, raw };
}

const SECRET = 's3cr3t-value-9f8e7d';

describe('createLogger', () => {
  it('writes JSON lines with the level label and redacts secrets at any depth', () => {
    const out = captureLines();
    const log = createLogger({ level: 'info', destination: out.stream });
    log.info(
      {
        user: { id: 'u1', newPassword: SECRET, profile: { apiKey: SECRET } },
        headers: { authorization: `Bearer ${SECRET}`, Cookie: `sid=${SECRET}`, 'set-cookie': [SECRET] },
        oauth: [{ access_token: SECRET, client_secret: SECRET, recovery_code: SECRET, otp: SECRET }],
        passwd: SECRET,
        count: 3,
      },
      'signed in',
    );
    const [line] = out.lines();
    expect(out.raw()).not.toContain(SECRET);
    expect(line).toMatchObject({
      level: 'info',
      msg: 'signed in',
      count: 3,
      passwd: REDACTED,
      user: { id: 'u1', newPassword: REDACTED, profile: { apiKey: REDACTED } },
      headers: { authorization: REDACTED, Cookie: REDACTED, 'set-cookie': REDACTED },
      oauth: [{ access_token: REDACTED, client_secret: REDACTED, recovery_code: REDACTED, otp: REDACTED }],
    });
  });

  it('redacts child bindings, including grandchildren', () => {
    const out = captureLines();
    const log = createLogger({ level: 'info', destination: out.stream });
    log.child({ request_id: 'r1' }).child({ token: SECRET }).info('hello');
    expect(out.raw()).not.toContain(SECRET);
    expect(out.lines()[0]).toMatchObject({ request_id: 'r1', token: REDACTED });
  });

  it('redacts extra key names given in options', () => {
    const out = captureLines();
    const log = createLogger({ level: 'info', destination: out.stream, redactKeys: ['SSN'] });
    log.info({ ssn: SECRET, name: 'Ada' });
    expect(out.lines()[0]).toMatchObject({ ssn: REDACTED, name: 'Ada' });
  });

  it('keeps an error readable, with its code, while redacting its fields', () => {
    const out = captureLines();
    const log = createLogger({ level: 'info', destination: out.stream });
    const err = Object.assign(new Error('upstream refused'), {
      code: 'ECONNREFUSED',
      config: { headers: { Authorization: SECRET } },
    });
    log.error({ err }, 'call failed');
    expect(out.raw()).not.toContain(SECRET);
    expect(out.lines()[0]).toMatchObject({
      level: 'error',
      err: {
        type: 'Error',
        message: 'upstream refused',
        code: 'ECONNREFUSED',
        config: { headers: { Authorization: REDACTED } },
      },
    });
  });

  it('survives cycles and bounds depth', () => {
    const out = captureLines();
    const log = createLogger({ level: 'info', destination: out.stream });
    const loop: Record<string, unknown> = { password: SECRET };
    loop.self = loop;
    let deep: Record<string, unknown> = { secret: SECRET };
    for (let i = 0; i < 20; i++) deep = { next: deep };
    log.info({ loop, deep });
    expect(out.raw()).not.toContain(SECRET);
    expect(out.lines()[0]).toMatchObject({ loop: { password: REDACTED, self: '[Circular]' } });
  });

  it('escapes line separators and lone surrogates, and leaves emoji and other text alone', () => {
    const { stream, lines, raw } = captureLines();
    const log = createLogger({ level: 'info', destination: stream });
    const values = ['a\u2028b\u2029c', 'lone \ud800 and \udc00', 'pair 😀 and é and 漢字', 'plain'];
    for (const value of values) log.info({ value }, 'x');
    expect(raw()).not.toMatch(/[\u2028\u2029]/);
    expect(raw()).toContain('"pair 😀 and é and 漢字"');
    expect(raw()).toContain('lone \\ud800 and \\udc00');
    expect(lines().map((line) => line.value)).toEqual(values);
  });

  it('respects the level', () => {
    const out = captureLines();
    const log = createLogger({ level: 'warn', destination: out.stream });
    log.info('quiet');
    log.warn('loud');
    expect(out.lines().map((line) => line.msg)).toEqual(['loud']);
  });
});

describe('redact', () => {
  it('returns the same object when nothing matches', () => {
    const value = { a: 1, b: { c: [1, 2, { d: 'x' }] }, when: new Date(0) };
    expect(redact(value)).toBe(value);
  });

  it('does not mutate the caller object', () => {
    const value = { nested: { token: SECRET } };
    const result = redact(value);
    expect(value.nested.token).toBe(SECRET);
    expect(result.nested.token).toBe(REDACTED);
  });

  it('matches by word, not by any substring', () => {
    const redactor = createRedactor();
    for (const key of [
      'x-api-key',
      'privateKey',
      'AUTHORIZATION',
      'mfa_otp',
      'RefreshToken',
      'passphrase',
      'code',
    ]) {
      expect(redactor.isSensitiveKey(key), key).toBe(true);
    }
    for (const key of [
      'monkey',
      'encoding',
      'status_code',
      'statusCode',
      'user_agent',
      'request_id',
      'path',
    ]) {
      expect(redactor.isSensitiveKey(key), key).toBe(false);
    }
  });
});

describe('redactUrl', () => {
  it('redacts sensitive query parameters and keeps the rest', () => {
    expect(redactUrl(`/cb?code=${SECRET}&state=abc&access_token=${SECRET}#top`)).toBe(
      `/cb?code=${REDACTED}&state=abc&access_token=${REDACTED}#top`,
    );
    expect(redactUrl(`https://h.example/x?apiKey=${SECRET}`)).toBe(`https://h.example/x?apiKey=${REDACTED}`);
    expect(redactUrl(`/x?client%5Fsecret=${SECRET}`)).toBe(`/x?client%5Fsecret=${REDACTED}`);
  });

  it('returns URLs without secrets unchanged', () => {
    expect(redactUrl('/notes?page=2&sort=asc')).toBe('/notes?page=2&sort=asc');
    expect(redactUrl('/notes')).toBe('/notes');
  });
});
