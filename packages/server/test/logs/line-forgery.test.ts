import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createLift, type LiftApp } from '../../src/app/create-lift.ts';
import { createLogger } from '../../src/core/logger.ts';
import { type LiftProcess, startLift } from '../support/lift-process.ts';

/**
 * Issue 13, "Logs": user-controlled strings cannot forge log lines. Each attempt puts CR/LF and a whole JSON
 * object (`{"level":30,"msg":"forged"}`) — and U+2028, U+2029 and lone surrogates where the carrier allows —
 * into a user agent, a path segment, a query value and a display name, against the real output: a `lift
 * serve` process's stdout, and an app whose lines are batched (up to 10 ms) into a captured stream.
 * Every line must parse as JSON, no line may be the forged one, and each string must come back whole in its
 * own field.
 */
vi.setConfig({ testTimeout: 60_000 });

const FORGED = '{"level":30,"msg":"forged"}';
const running: LiftProcess[] = [];
const apps: LiftApp[] = [];

afterAll(async () => {
  await Promise.all(running.map((lift) => lift.stop()));
  await Promise.all(apps.map((app) => app.close()));
});

/** What `lift serve` prints for people besides its JSON lines. */
const BANNER = /^Lift listening on http:\/\/[\d.:]+$/;

/** Every line of `output` but the banner; throws, naming the line, when one is not JSON. */
function parseLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line !== '' && !BANNER.test(line))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`a log line is not JSON: ${JSON.stringify(line)}`);
      }
    });
}

function expectNoForgery(output: string): Record<string, unknown>[] {
  const lines = parseLines(output);
  expect(lines.filter((line) => line.msg === 'forged')).toEqual([]);
  expect(output).not.toMatch(/[\u2028\u2029]/);
  return lines;
}

/**
 * Sends `GET <target>` with the bytes given, as a client that ignores the rules would: no URL or header
 * encoding on the way. Resolves with the status line.
 */
function rawGet(url: string, target: string, userAgent: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('end', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
    socket.write(
      Buffer.from(
        `GET ${target} HTTP/1.1\r\nHost: ${hostname}\r\nUser-Agent: ${userAgent}\r\nConnection: close\r\n\r\n`,
        'latin1',
      ),
    );
  });
}

/** Percent-encoded (as a browser sends it), the path decodes to CR, LF, the JSON object and U+2028/U+2029. */
const PATH_SEGMENT = `x\r\n${FORGED}\u2028${FORGED}\u2029`;

describe('log lines of a real lift serve', () => {
  it('keep a user agent, a path segment, a query value and a display name inside their fields', async () => {
    const lift = await startLift([]);
    running.push(lift);

    // Node's parser refuses CR and LF in a header, so the user agent carries the rest: quotes, braces, the
    // object, and bytes that are not ASCII.
    const userAgent = `ua"}\t${FORGED}\xe2\x80\xa8\\`;
    const query = `q="}${FORGED}%0D%0A${encodeURIComponent(FORGED)}&access_token=x`;
    const status = await rawGet(lift.url, `/nowhere/${encodeURIComponent(PATH_SEGMENT)}?${query}`, userAgent);
    expect(status).toBe('HTTP/1.1 404 Not Found');

    // A display name carrying the line break and the object is refused as input (core/human-name.ts); so is one
    // with a line separator or a lone surrogate. The refusals are logged like any request.
    for (const name of [`x\r\n${FORGED}`, `x\u2028${FORGED}`, 'x\ud800y']) {
      const signup = await fetch(`${lift.url}/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'forgery-test' },
        body: JSON.stringify({ email: 'forger@example.com', password: 'correct horse battery 42', name }),
      });
      expect(signup.status, await signup.clone().text()).toBe(400);
      expect(((await signup.json()) as { code: string }).code).toBe('LIFT_VALIDATION_FAILED');
    }

    expect(await lift.stop()).toBe(0);
    const lines = expectNoForgery(lift.stdout());
    const access = lines.filter((line) => line.msg === 'request completed');
    const nowhere = access.find((line) => String(line.path).startsWith('/nowhere/'));
    // The path as the router decoded it (decodeURI leaves reserved characters such as `:` encoded): CR, LF
    // and the separators are in it, as characters of the one field.
    expect(nowhere?.path).toBe(decodeURI(`/nowhere/${encodeURIComponent(PATH_SEGMENT)}`));
    expect(nowhere?.path).toContain('\r\n{"level"');
    expect(nowhere?.path).toContain('\u2028');
    // The query as the URL parser normalised it (a raw `"` is percent-encoded), the secret redacted.
    expect(nowhere?.query).toBe(
      `${new URL(`http://h/?${query}`).search.slice(1).replace('access_token=x', 'access_token=[REDACTED]')}`,
    );
    expect(nowhere).toMatchObject({
      // Header bytes are read as Latin-1: the UTF-8 of U+2028 arrives as three characters, none a line break.
      user_agent: userAgent,
      status: 404,
    });
    expect(access.filter((line) => line.route === '/auth/signup' && line.status === 400)).toHaveLength(3);
  });
});

describe('log lines batched for up to 10 ms', () => {
  it('keep strings a handler logs, and the access line, inside their fields', async () => {
    let output = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        output += chunk.toString('utf8');
        done();
      },
    });
    // Batched as on stdout: the lines of up to 10 ms joined into one write (core/logger.ts, LineBatch).
    const logger = createLogger({ level: 'info', destination, batchLines: true });
    const app = createLift(
      { env: 'test', storage: { url: 'sqlite::memory:', kv: 'memory:' }, auth: { enabled: false } },
      { logger },
    );
    apps.push(app);
    app.post('/echo', async (ctx) => {
      const body = (await ctx.json()) as { name: string };
      ctx.log.info({ name: body.name }, 'echo');
      return { ok: true };
    });
    const names = [
      `x\r\n${FORGED}`,
      `x\n${FORGED}\n`,
      `x\u2028${FORGED}\u2029`,
      'lone \ud800 high, lone \udc00 low',
      `"}${FORGED}`,
    ];
    await app.listen({ host: '127.0.0.1', port: 0 });
    for (const name of names) {
      const response = await fetch(`${app.address!.url}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // JSON.stringify writes a lone surrogate as the escape `\ud800`, which JSON.parse turns back into one.
        body: JSON.stringify({ name }),
      });
      expect(response.status).toBe(200);
    }
    await app.close();
    const lines = expectNoForgery(output);
    expect(lines.filter((line) => line.msg === 'echo').map((line) => line.name)).toEqual(names);
    expect(lines.filter((line) => line.msg === 'request completed')).toHaveLength(names.length);
  });
});
