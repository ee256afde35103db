import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HttpSession, waitForMailLink } from '../support/http-session.ts';
import { type LiftProcess, startLift } from '../support/lift-process.ts';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../support/otlp-receiver.ts';

/**
 * Tracing end to end, black-box: a real `lift serve` configured only through `LIFT_TRACING__…` variables,
 * exporting to a real OTLP/HTTP receiver started here. Requests go over real HTTP; SIGTERM closes the app,
 * which flushes the batch, and the test reads the span tree the receiver got.
 *
 * The server trusts 127.0.0.1 as a proxy; requests sent from 127.0.0.2 come from an untrusted peer.
 */
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const SERVER = 2;
const ERROR = 2;
const INCOMING_TRACE = '0af7651916cd43dd8448eb211c80319c';
const INCOMING_PARENT = 'b7ad6b7169203331';
const FORGED_TRACE = '11111111111111111111111111111111';
const PASSWORD = 'violet kettle marching 1887';

/** A request from a chosen local address (fetch cannot pick one). */
function send(
  url: string,
  options: { method: string; from: string; headers?: Record<string, string>; body?: unknown },
): Promise<{ status: number; headers: Record<string, unknown>; body: Record<string, unknown> }> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: options.method,
        localAddress: options.from,
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...options.headers },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function only(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((span) => span.name === name);
  expect(
    found.map((span) => span.name),
    `one span named ${name}`,
  ).toEqual([name]);
  return found[0]!;
}

function childrenOf(spans: ReceivedSpan[], parent: ReceivedSpan): string[] {
  return spans.filter((span) => span.parentSpanId === parent.spanId).map((span) => span.name);
}

function accessLines(lift: LiftProcess): Array<Record<string, unknown>> {
  return lift
    .stdout()
    .split('\n')
    .filter((line) => line.includes('"msg":"request completed"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

let receiver: OtlpReceiver;
let lift: LiftProcess;
let login: Awaited<ReturnType<typeof send>>;
let untrusted: Awaited<ReturnType<typeof send>>;
let refused: Awaited<ReturnType<typeof send>>;
let sessionCheck: Awaited<ReturnType<typeof send>>;
let adminList: Awaited<ReturnType<typeof send>>;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  lift = await startLift([], {
    LIFT_TRACING__EXPORTER: 'otlp',
    LIFT_TRACING__ENDPOINT: receiver.url,
    LIFT_TRACING__SERVICE_NAME: 'lift-tracing-test',
    LIFT_HTTP__CLIENT_IP__TRUSTED_PROXIES: '127.0.0.1',
    LIFT_PASSWORDS__MEMORY_COST: '8192',
    LIFT_PASSWORDS__TIME_COST: '1',
  });
  const browser = new HttpSession(lift.url);
  expect((await browser.post('/auth/signup', { email: 'ada@example.com', password: PASSWORD })).status).toBe(
    202,
  );
  const link = await waitForMailLink(lift.dataDir, 'ada@example.com', '/auth/email/verify');
  const token = new URL(link).searchParams.get('token');
  expect((await browser.post('/auth/email/verify', { token })).status).toBe(200);

  const credentials = { email: 'ada@example.com', password: PASSWORD };
  login = await send(`${lift.url}/auth/login`, {
    method: 'POST',
    from: '127.0.0.1',
    headers: { traceparent: `00-${INCOMING_TRACE}-${INCOMING_PARENT}-01` },
    body: credentials,
  });
  const cookie = String((login.headers['set-cookie'] as string[])[0]).split(';')[0]!;
  sessionCheck = await send(`${lift.url}/auth/session`, {
    method: 'GET',
    from: '127.0.0.1',
    headers: { cookie },
  });
  adminList = await send(`${lift.url}/admin/api/users`, {
    method: 'GET',
    from: '127.0.0.1',
    headers: { cookie },
  });
  untrusted = await send(`${lift.url}/auth/login`, {
    method: 'POST',
    from: '127.0.0.2',
    headers: { traceparent: `00-${FORGED_TRACE}-${INCOMING_PARENT}-01` },
    body: credentials,
  });
  refused = await send(`${lift.url}/auth/login`, {
    method: 'POST',
    from: '127.0.0.2',
    body: { email: 'ada@example.com', password: 'not the password at all' },
  });
  expect(await lift.stop()).toBe(0);
});

afterAll(async () => {
  await lift?.stop();
  await receiver?.close();
});

describe('tracing to an OTLP/HTTP receiver', () => {
  it('exports the span tree of a login under the trusted traceparent it continued', () => {
    expect(login.status).toBe(200);
    expect(login.headers.traceparent).toBeUndefined();
    const trace = receiver.spans.filter((span) => span.traceId === INCOMING_TRACE);
    const root = only(trace, 'POST /auth/login');
    expect(root.parentSpanId).toBe(INCOMING_PARENT);
    expect(root.kind).toBe(SERVER);
    expect(root.service).toBe('lift-tracing-test');
    expect(root.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/auth/login',
      'url.path': '/auth/login',
      'http.response.status_code': 200,
    });
    // Every span of the trace hangs off the request span: the tree is linked, none is orphaned.
    const ids = new Set(trace.map((span) => span.spanId));
    for (const span of trace) {
      if (span !== root) expect(ids.has(span.parentSpanId ?? ''), `${span.name} has a parent`).toBe(true);
    }
    const children = childrenOf(trace, root);
    // The chain asked both resolvers; a login request carries neither credential.
    for (const resolver of ['auth.session', 'auth.bearer']) {
      expect(children).toContain(resolver);
      expect(only(trace, resolver).attributes['lift.auth.outcome']).toBe('none');
    }
    expect(children).toContain('password.verify');
    expect(children).toContain('users.findByEmail');
    expect(children.some((name) => name.startsWith('sessions.'))).toBe(true);
    expect(children.some((name) => name.startsWith('kv.'))).toBe(true);
    const store = only(trace, 'users.findByEmail');
    expect(store.attributes).toMatchObject({
      'lift.store.port': 'users',
      'lift.store.operation': 'findByEmail',
    });
    expect(receiver.contentTypes.length).toBeGreaterThan(0);
    expect(receiver.contentTypes.every((type) => type.startsWith('application/json'))).toBe(true);
  });

  it('gives the session resolver its span under the request', () => {
    expect(sessionCheck.status).toBe(200);
    const request = receiver.spans.find((span) => span.name === 'GET /auth/session');
    expect(request).toBeDefined();
    const resolver = receiver.spans.find(
      (span) => span.name === 'auth.session' && span.parentSpanId === request!.spanId,
    );
    expect(resolver?.attributes).toMatchObject({
      'lift.auth.resolver': 'session',
      'lift.auth.outcome': 'principal',
    });
    expect(resolver?.traceId).toBe(request!.traceId);
  });

  it('gives the permission check its span, with the decision', () => {
    expect(adminList.status).toBe(403);
    const request = receiver.spans.find((span) => span.name === 'GET /admin/api/users');
    expect(request).toBeDefined();
    const check = receiver.spans.find(
      (span) => span.name === 'access.check' && span.parentSpanId === request!.spanId,
    );
    expect(check?.attributes).toMatchObject({
      'lift.access.guard': 'permission',
      'lift.access.needed': 'users:read',
      'lift.access.decision': 'denied',
    });
  });

  it('ignores a traceparent from a peer that is not a trusted proxy', () => {
    expect(untrusted.status).toBe(200);
    expect(receiver.spans.filter((span) => span.traceId === FORGED_TRACE)).toEqual([]);
    const logins = receiver.spans.filter(
      (span) => span.name === 'POST /auth/login' && span.parentSpanId === undefined,
    );
    expect(logins.length).toBeGreaterThanOrEqual(2);
  });

  it('puts the trace id in the problem body and the access log line', () => {
    expect(refused.status).toBe(401);
    const traceId = refused.body.trace_id;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const root = receiver.spans.find((span) => span.traceId === traceId && span.parentSpanId === undefined);
    expect(root?.name).toBe('POST /auth/login');
    expect(root?.attributes['http.response.status_code']).toBe(401);
    // A 4xx is the client's mistake: the server span is not failed.
    expect(root?.statusCode).not.toBe(ERROR);
    const line = accessLines(lift).find((entry) => entry.request_id === refused.body.request_id);
    expect(line?.trace_id).toBe(traceId);
  });
});
