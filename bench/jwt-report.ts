/** The Markdown report of `bench/jwt.ts`: throughput of bearer `GET /me`, then verification alone. */
import { PIN } from './harness/pinning.ts';
import { formatInteger, formatRatio, machineLines, markdownTable, verdict } from './harness/report.ts';
import { best, type Measurement, throughputRow } from './harness/rounds.ts';
import type { LoadSettings } from './harness/settings.ts';
import type { VerifyResult, VerifyTiming } from './jwt-protocol.ts';
import type { Target, TargetId } from './jwt-servers.ts';

/** Lift HS256 must serve at least this multiple of Fastify + @fastify/jwt HS256's requests/s. */
const HS256_VS_FASTIFY_TARGET = 1.0;
/** Lift EdDSA with the verified-token cache must reach at least this fraction of raw node:http (issue 12). */
const EDDSA_VS_NODE_TARGET = 0.5;
/**
 * … and at least this multiple of Fastify + @fastify/jwt as configured by default (issue 12). The peer is its
 * fastest default, HS256: against its EdDSA, which verifies the signature on every request, any cache wins.
 */
const EDDSA_VS_FASTIFY_TARGET = 1.3;
/** Uncached verification may cost at most this multiple of the bare node:crypto signature check. */
const UNCACHED_VS_CRYPTO_TARGET = 2;

function throughputSection(measurements: Measurement<Target>[], settings: LoadSettings): string[] {
  const rps = (id: TargetId) => {
    const measurement = measurements.find((m) => m.target.id === id);
    return measurement ? best(measurement).requestsPerSecond : null;
  };
  const baseline = rps('node-http')!;
  const rows = measurements.map((measurement) => throughputRow(measurement, baseline));
  const lines: string[] = [];
  const ratio = (a: TargetId, b: TargetId) => {
    const top = rps(a);
    const bottom = rps(b);
    return top === null || bottom === null ? null : top / bottom;
  };
  const hs256 = ratio('lift-hs256', 'fastify-hs256');
  if (hs256 !== null) {
    lines.push(
      `- ${verdict(`Lift HS256 ≥ ${HS256_VS_FASTIFY_TARGET.toFixed(1)}× Fastify + @fastify/jwt HS256, each as configured by default (Lift caches verified tokens, @fastify/jwt does not)`, hs256 >= HS256_VS_FASTIFY_TARGET, formatRatio(hs256))}`,
    );
  }
  const eddsa = ratio('lift-eddsa', 'node-http');
  if (eddsa !== null) {
    lines.push(
      `- ${verdict(`Lift EdDSA with the verified-token cache ≥ ${EDDSA_VS_NODE_TARGET}× raw node:http`, eddsa >= EDDSA_VS_NODE_TARGET, formatRatio(eddsa))}`,
    );
  }
  const eddsaVsFastify = ratio('lift-eddsa', 'fastify-hs256');
  if (eddsaVsFastify !== null) {
    lines.push(
      `- ${verdict(`Lift EdDSA with the verified-token cache ≥ ${EDDSA_VS_FASTIFY_TARGET}× Fastify + @fastify/jwt HS256 (its fastest default)`, eddsaVsFastify >= EDDSA_VS_FASTIFY_TARGET, formatRatio(eddsaVsFastify))}`,
    );
  }
  const informative: Array<[string, TargetId, TargetId]> = [
    ['Lift EdDSA ÷ Fastify + @fastify/jwt EdDSA', 'lift-eddsa', 'fastify-eddsa'],
    [
      'What bearer authentication costs Lift: GET /me (EdDSA, cached) ÷ GET /hello',
      'lift-eddsa',
      'lift-hello',
    ],
    ['Both verifying every request, HS256: Lift ÷ Fastify', 'lift-hs256-uncached', 'fastify-hs256'],
    ['Both verifying every request, EdDSA: Lift ÷ Fastify', 'lift-eddsa-uncached', 'fastify-eddsa'],
    ['Both with a verified-token cache, HS256: Lift ÷ Fastify', 'lift-hs256', 'fastify-hs256-cached'],
    ['Both with a verified-token cache, EdDSA: Lift ÷ Fastify', 'lift-eddsa', 'fastify-eddsa-cached'],
  ];
  for (const [what, a, b] of informative) {
    const value = ratio(a, b);
    if (value !== null) lines.push(`- ${what}: ${formatRatio(value)}`);
  }
  return [
    '## Throughput: bearer-authenticated GET /me',
    '',
    `${settings.durationSeconds} s measured after ${settings.warmupSeconds} s warm-up per target, ` +
      `${settings.connections} connections, pipelining ${settings.pipelining}, best of ${settings.rounds} ` +
      `round(s) (highest requests/s; p99 from that round); ${PIN ? 'server on CPU 0, load generator on CPU 1' : 'not pinned'}. ` +
      'Every request carries the same `Authorization: Bearer` token (raw node:http one as long, which it ' +
      'ignores); Lift and Fastify answer the same 95-byte JSON. Lift runs the reference app with every ' +
      "default stage; Fastify verifies with @fastify/jwt as it comes: fast-jwt's verified-token cache is " +
      'off by default, so it checks the signature on every request, and pins the algorithm and checks ' +
      '`iss` and `aud` like Lift.',
    '',
    markdownTable(
      ['target', 'request', 'requests/s', 'p99 (ms)', 'ratio to raw node:http', 'requests/s per round'],
      rows,
    ),
    '',
    ...lines,
    '',
  ];
}

function verifySection(result: VerifyResult): string[] {
  const micros = (timing: VerifyTiming) => timing.microsPerOp.toFixed(2);
  const rounds = (timing: VerifyTiming) =>
    timing.roundMicrosPerOp.map((value) => value.toFixed(2)).join(' / ');
  const rows = result.algorithms.flatMap((entry) => [
    [
      entry.algorithm,
      'Lift `AccessTokens.verify`, not cached',
      micros(entry.liftUncached),
      formatRatio(entry.liftUncached.microsPerOp / entry.bareCrypto.microsPerOp),
      rounds(entry.liftUncached),
    ],
    [
      entry.algorithm,
      'bare node:crypto signature check',
      micros(entry.bareCrypto),
      '1.00×',
      rounds(entry.bareCrypto),
    ],
    [
      entry.algorithm,
      'Lift `AccessTokens.verify`, cached',
      micros(entry.liftCached),
      formatRatio(entry.liftCached.microsPerOp / entry.bareCrypto.microsPerOp),
      rounds(entry.liftCached),
    ],
  ]);
  const verdicts = result.algorithms.map((entry) => {
    const ratio = entry.liftUncached.microsPerOp / entry.bareCrypto.microsPerOp;
    return `- ${verdict(`${entry.algorithm}: uncached verification ≤ ${UNCACHED_VS_CRYPTO_TARGET}× the bare node:crypto check`, ratio <= UNCACHED_VS_CRYPTO_TARGET, `${micros(entry.liftUncached)} µs vs ${micros(entry.bareCrypto)} µs = ${formatRatio(ratio)}`)}`;
  });
  const ops = result.algorithms.map((entry) => `${formatInteger(entry.opsPerRound)} (${entry.algorithm})`);
  return [
    '## Verification alone, no HTTP',
    '',
    'In one process pinned like the servers, on one access token per algorithm issued by a Lift app ' +
      `(${result.algorithms.map((entry) => `${entry.algorithm} ${entry.tokenLength} characters`).join(', ')}). ` +
      '"Not cached" is `clearCache()` then `verify(token)`: every check, the signature, the claims, the ' +
      'revocation check and the cache insert. The bare check is only the signature over the same signing ' +
      "input with the same key: HS256 `createHmac('sha256', key).update(signingInput).digest()` + " +
      '`timingSafeEqual`, EdDSA `crypto.verify(null, data, publicKey, signature)`. ' +
      `${ops.join(' and ')} calls per round, ${result.rounds} rounds after one discarded, best round shown.`,
    '',
    markdownTable(
      ['alg', 'operation', 'µs per call', 'ratio to bare node:crypto', 'µs per call per round'],
      rows,
    ),
    '',
    ...verdicts,
    '',
  ];
}

export function renderReport(
  measurements: Measurement<Target>[],
  settings: LoadSettings,
  verify: VerifyResult,
): string {
  return [
    '# JWT benchmark: bearer-authenticated GET /me',
    '',
    ...machineLines(),
    '',
    ...throughputSection(measurements, settings),
    ...verifySection(verify),
  ].join('\n');
}
