/**
 * Verification child of `bench/jwt.ts`, no HTTP: for each algorithm, an app with that `tokens.algorithm`
 * issues one access token, and three operations on it are timed in this process:
 *
 * - Lift uncached: `clearCache()` then `AccessTokens.verify(token)`: the whole path of a token not in the
 *   verified-token cache (size and alphabet checks, base64url, the header, the key by `kid`, the signature,
 *   the claims, the revocation check, the insert into the cache).
 * - Lift cached: `AccessTokens.verify(token)` of a token in the cache (SHA-256 of the token, a map lookup,
 *   the revocation check).
 * - bare node:crypto: only the signature check over the same signing input with the same key. HS256:
 *   `createHmac('sha256', key).update(signingInput).digest()` and `timingSafeEqual`; EdDSA:
 *   `crypto.verify(null, data, publicKey, signature)`.
 *
 * Each operation runs `opsPerRound` times per round, the three alternate within a round, the first round is a
 * discarded warm-up, and µs/op is the best round's (noise only ever makes a round slower). Prints one
 * `VerifyResult` line on stdout (jwt-protocol.ts).
 *
 * Environment: `BENCH_VERIFY_ROUNDS` (5 measured rounds), `BENCH_VERIFY_SCALE` (1; multiplies the calls per
 * round: 40,000 for HS256, 4,000 for EdDSA).
 */
import { createHmac, type KeyObject, timingSafeEqual, verify } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createLift } from '../packages/server/src/index.ts';
import { exitWhenParentExits } from './harness/parent-watch.ts';
import {
  ISSUER,
  type JwtAlgorithm,
  VERIFY_MARKER,
  type VerifyAlgorithmResult,
  type VerifyResult,
  type VerifyTiming,
} from './jwt-protocol.ts';

const OPS_PER_ROUND: Record<JwtAlgorithm, number> = { HS256: 40_000, EdDSA: 4_000 };

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

type Operation = () => boolean;

/** µs per call of `operation` over `ops` calls; throws if any call reports a failed verification. */
function timeOnce(name: string, operation: Operation, ops: number): number {
  let failures = 0;
  const start = performance.now();
  for (let i = 0; i < ops; i++) if (!operation()) failures++;
  const micros = ((performance.now() - start) * 1000) / ops;
  if (failures > 0) throw new Error(`${name}: ${failures} of ${ops} verifications failed`);
  return micros;
}

async function measureAlgorithm(
  algorithm: JwtAlgorithm,
  rounds: number,
  scale: number,
): Promise<VerifyAlgorithmResult> {
  const app = createLift({
    env: 'test',
    log: { level: 'warn' },
    storage: { url: 'sqlite::memory:', kv: 'memory:' },
    tokens: { algorithm, issuer: ISSUER, accessTokenTtlMs: 3_600_000 },
  });
  await app.start();
  try {
    const user = await app.module('identity').deps.users.create({ email: 'bench@example.com' });
    const { access_token: token } = await app.tokens.issuePair(
      { userId: user.id, amr: ['pwd'], authTime: Date.now() },
      {},
    );
    const accessTokens = app.module('tokens').accessTokens;
    // The first call asks the revocation store once; from then on the revocation check answers from memory.
    await accessTokens.verify(token);

    const [encodedHeader = '', , encodedSignature = ''] = token.split('.');
    const { kid } = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8')) as { kid: string };
    const key = app.module('tokens').keys.resolve(kid);
    if (key === undefined || key.alg !== algorithm) throw new Error(`no ${algorithm} key for kid ${kid}`);
    const signingInput = token.slice(0, token.lastIndexOf('.'));
    const data = Buffer.from(signingInput, 'latin1');
    const signature = Buffer.from(encodedSignature, 'base64url');
    const secretOrPublic: KeyObject = key.key;

    const isVerified = (result: ReturnType<typeof accessTokens.verify>) =>
      !(result instanceof Promise) && result.claims.sub === user.id;
    const operations: Record<'liftUncached' | 'liftCached' | 'bareCrypto', Operation> = {
      liftUncached: () => {
        accessTokens.clearCache();
        return isVerified(accessTokens.verify(token));
      },
      liftCached: () => isVerified(accessTokens.verify(token)),
      bareCrypto:
        algorithm === 'HS256'
          ? () => {
              const expected = createHmac('sha256', secretOrPublic).update(signingInput).digest();
              return expected.length === signature.length && timingSafeEqual(expected, signature);
            }
          : () => verify(null, data, secretOrPublic, signature),
    };

    const ops = Math.max(1, Math.round(OPS_PER_ROUND[algorithm] * scale));
    const names = Object.keys(operations) as Array<keyof typeof operations>;
    const perRound = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<
      keyof typeof operations,
      number[]
    >;
    for (let round = 0; round <= rounds; round++) {
      // Alternate the order so a slow stretch of the machine does not always hit the same operation.
      const order = round % 2 === 0 ? names : [...names].reverse();
      for (const name of order) {
        const micros = timeOnce(`${algorithm} ${name}`, operations[name], ops);
        if (round > 0) perRound[name].push(micros);
      }
    }
    const timing = (name: keyof typeof operations): VerifyTiming => ({
      microsPerOp: Math.min(...perRound[name]),
      roundMicrosPerOp: perRound[name],
    });
    return {
      algorithm,
      tokenLength: token.length,
      opsPerRound: ops,
      liftUncached: timing('liftUncached'),
      liftCached: timing('liftCached'),
      bareCrypto: timing('bareCrypto'),
    };
  } finally {
    await app.close();
  }
}

exitWhenParentExits();
const rounds = Math.round(envNumber('BENCH_VERIFY_ROUNDS', 5));
const scale = envNumber('BENCH_VERIFY_SCALE', 1);
const result: VerifyResult = { rounds, algorithms: [] };
for (const algorithm of ['HS256', 'EdDSA'] as const) {
  result.algorithms.push(await measureAlgorithm(algorithm, rounds, scale));
}
process.stdout.write(`${VERIFY_MARKER} ${JSON.stringify(result)}\n`);
process.exit(0);
