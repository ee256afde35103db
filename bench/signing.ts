/**
 * `npm run bench -- signing` (or `node --import tsx bench/signing.ts`): the cost of verifying an RFC 9421
 * signature (hmac-sha256, default components, Content-Digest over a 1 KiB body), target ≤ 50 µs.
 *
 * - verify: `verifyRequestSignature` called directly (structured-field parsing, the signature base, HMAC, the
 *   body's SHA-256), without and with a nonce (one memory key-value write).
 * - peer, bare node:crypto: only HMAC-SHA256 over the same base and SHA-256 over the same body — the crypto no
 *   verifier can skip; the ratio says what the rest costs.
 * - through `app.fetch`: the same POST to a route with `requireSignature()` and to one without, same app, same
 *   body; the difference is the per-request overhead as a handler sees it.
 *
 * Each variant runs `ops` times per round, rounds alternate variants, the first round is a discarded warm-up,
 * and the best round counts (noise only makes a round slower). `BENCH_SIGNING_ROUNDS` (default 5).
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLift } from '../packages/server/src/app/create-lift.ts';
import { ManualClock } from '../packages/server/src/core/clock.ts';
import { limitsModule } from '../packages/server/src/limits/index.ts';
import { signingModule } from '../packages/server/src/signing/index.ts';
import {
  signaturePolicy,
  verifyRequestSignature,
} from '../packages/server/src/signing/signature-verifier.ts';
import { MemoryKeyValueStore } from '../packages/server/src/storage/memory/memory-key-value-store.ts';
import { signedRequest } from '../packages/server/test/signing/sign-for-test.ts';

const ROUNDS = Number(process.env.BENCH_SIGNING_ROUNDS ?? 5);
const SECRET = Buffer.alloc(32, 5).toString('base64');
const NOW = Date.UTC(2026, 11, 7, 6, 0, 0);
const URL_ = 'https://api.test/hooks/orders?tenant=t1';
const BODY = JSON.stringify({ data: 'x'.repeat(1024 - 11) });
if (Buffer.byteLength(BODY) !== 1024) throw new Error(`body is ${Buffer.byteLength(BODY)} bytes, not 1024`);

const clock = new ManualClock(NOW);
const kv = new MemoryKeyValueStore({ clock });
const policy = signaturePolicy({ keys: { a: { alg: 'hmac-sha256', key: SECRET } } });
const signature = { keyid: 'a', alg: 'hmac-sha256' as const, key: SECRET, created: NOW / 1000 };
const template = signedRequest(URL_, { body: BODY }, signature);
const bodyBytes = new TextEncoder().encode(BODY);
const incoming = { method: 'POST', url: URL_, headers: template.headers, body: async () => bodyBytes };

interface Variant {
  name: string;
  prepare: (i: number) => unknown;
  run: (input: unknown) => Promise<unknown> | unknown;
}

/** Best µs/op of each variant; the variants alternate within every round so load on the machine hits all alike. */
async function bestOf(ops: number, variants: Variant[]): Promise<Array<{ name: string; micros: number }>> {
  const rounds = variants.map(() => [] as number[]);
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [index, variant] of variants.entries()) {
      const inputs = Array.from({ length: ops }, (_, i) => variant.prepare(round * ops + i));
      const start = performance.now();
      for (const input of inputs) await variant.run(input);
      if (round > 0) rounds[index]!.push(((performance.now() - start) * 1000) / ops);
    }
  }
  return variants.map((variant, index) => ({ name: variant.name, micros: Math.min(...rounds[index]!) }));
}

const base = (() => {
  const lines = template.headers.get('signature-input')!.slice('sig1='.length);
  return `"@method": POST\n"@authority": api.test\n"@path": /hooks/orders\n"@query": ?tenant=t1\n"content-digest": ${template.headers.get('content-digest')}\n"content-type": application/json\n"@signature-params": ${lines}`;
})();
const secretBytes = Buffer.from(SECRET, 'base64');

const results = await bestOf(5_000, [
  {
    name: 'bare node:crypto (HMAC + SHA-256 of the body)',
    prepare: () => undefined,
    run: () => {
      createHmac('sha256', secretBytes).update(base).digest();
      createHash('sha256').update(bodyBytes).digest();
    },
  },
  {
    name: 'verify, no nonce',
    prepare: () => undefined,
    run: () => verifyRequestSignature(incoming, policy, { kv, clock }),
  },
  {
    name: 'verify, nonce (memory kv)',
    prepare: (i) => ({
      ...incoming,
      headers: signedRequest(URL_, { body: BODY }, { ...signature, nonce: `n${i}` }).headers,
    }),
    run: (input) => verifyRequestSignature(input as typeof incoming, policy, { kv, clock }),
  },
]);

const dataDir = mkdtempSync(join(tmpdir(), 'lift-bench-signing-'));
const app = createLift(
  {
    env: 'test',
    dataDir,
    log: { level: 'silent' },
    signing: { keys: [{ keyid: 'a', alg: 'hmac-sha256', secret: SECRET }] },
  },
  { modules: [limitsModule(), signingModule()], clock },
);
await app.start();
app
  .group('/hooks', app.module('signing').requireSignature())
  .post('/orders', async (ctx) => ({ n: ((await ctx.json()) as { data: string }).data.length }));
app
  .group('/open')
  .post('/orders', async (ctx) => ({ n: ((await ctx.json()) as { data: string }).data.length }));
const fetchOps = 3_000;
const check = await app.fetch(signedRequest(URL_, { body: BODY }, signature));
if (check.status !== 200) throw new Error(`signed route answered ${check.status}: ${await check.text()}`);
const post = (path: string) => () =>
  new Request(URL_.replace('/hooks/', path), { method: 'POST', headers: template.headers, body: BODY });
const fetched = async (request: unknown) => (await app.fetch(request as Request)).arrayBuffer();
const [signedFetch, noopFetch, openFetch] = await bestOf(fetchOps, [
  { name: 'app.fetch, requireSignature()', prepare: post('/hooks/'), run: fetched },
  { name: 'app.fetch, do-nothing middleware', prepare: post('/noop/'), run: fetched },
  { name: 'app.fetch, no middleware', prepare: post('/open/'), run: fetched },
]);
await app.close();
rmSync(dataDir, { recursive: true, force: true });

const peer = results[0]!.micros;
console.log('HTTP message signature verification, hmac-sha256, 1 KiB body (best of %d rounds)\n', ROUNDS);
for (const { name, micros } of results) {
  console.log(
    `${name.padEnd(48)} ${micros.toFixed(2).padStart(8)} µs   ${(micros / peer).toFixed(1)}× bare crypto`,
  );
}
for (const { name, micros } of [signedFetch!, noopFetch!, openFetch!]) {
  console.log(`${name.padEnd(48)} ${micros.toFixed(2).padStart(8)} µs`);
}
console.log(
  `\nthrough app.fetch (same headers and body): +${(signedFetch!.micros - openFetch!.micros).toFixed(2)} µs over no middleware, +${(signedFetch!.micros - noopFetch!.micros).toFixed(2)} µs over a do-nothing middleware`,
);
const direct = results[1]!.micros;
console.log(
  `direct verification: ${direct.toFixed(2)} µs (target ≤ 50 µs) — ${direct <= 50 ? 'met' : 'NOT met'}`,
);
