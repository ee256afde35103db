/**
 * Peer fixture of `bench/jwt.ts`: Fastify (defaults, logger off) with @fastify/jwt, `GET /me` behind
 * `request.jwtVerify()` in `onRequest`, answering the same JSON as Lift's `GET /me` for a bearer token. It
 * signs one token with the same header members and claims as a Lift access token and prints one
 * `JwtServerReady` line on stdout (jwt-protocol.ts).
 *
 * Verification as a careful deployment configures it: the one algorithm pinned, `iss` and `aud` checked
 * (Lift checks both too), `exp`/`nbf` as fast-jwt does by default. fast-jwt's verified-token cache is off,
 * as @fastify/jwt leaves it, unless `BENCH_JWT_CACHE=1` turns it on (`cache: true`, 1,000 entries).
 *
 * Environment: `BENCH_PORT`, `BENCH_HOST`, `BENCH_JWT_ALGORITHM` (`HS256`: a random 32-byte secret; `EdDSA`: a
 * fresh Ed25519 key pair as PEM), `BENCH_JWT_CACHE`.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fastifyJwt from '@fastify/jwt';
import Fastify from 'fastify';
import { exitWhenParentExits } from './harness/parent-watch.ts';
import { algorithmFromEnvironment, ISSUER, type JwtServerReady, READY_MARKER } from './jwt-protocol.ts';
import { listenAddress } from './servers/listen-address.ts';

/** Seconds, as @fastify/jwt reads a number; Lift's token in the benchmark lives as long. */
const EXPIRES_IN_SECONDS = 3_600;
/** Lift's default `auth.freshMs`: how long after `auth_time` a principal counts as fresh. */
const FRESH_MS = 5 * 60_000;

interface AccessClaims {
  sub: string;
  amr: string[];
  auth_time: number;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    user: AccessClaims;
  }
}

const id = () => randomBytes(16).toString('base64url');

function secretFor(algorithm: 'HS256' | 'EdDSA') {
  if (algorithm === 'HS256') return randomBytes(32);
  const pair = generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { private: pair.privateKey, public: pair.publicKey };
}

exitWhenParentExits();
const algorithm = algorithmFromEnvironment();
const kid = id();
const app = Fastify({ logger: false });
await app.register(fastifyJwt, {
  secret: secretFor(algorithm),
  sign: { algorithm, kid, expiresIn: EXPIRES_IN_SECONDS, header: { alg: algorithm, typ: 'at+jwt' } },
  verify: {
    algorithms: [algorithm],
    allowedIss: ISSUER,
    allowedAud: ISSUER,
    ...(process.env.BENCH_JWT_CACHE === '1' ? { cache: true } : {}),
  },
});
app.get('/me', { onRequest: (request) => request.jwtVerify() }, (request) => {
  const user = request.user;
  return {
    id: user.sub,
    type: 'user',
    auth_method: 'bearer',
    amr: user.amr,
    fresh: Date.now() - user.auth_time * 1000 <= FRESH_MS,
  };
});
const { host, port } = listenAddress();
await app.listen({ host, port });

const userId = id();
const now = Date.now();
// The claims of a Lift access token (RFC 9068), so both verify tokens of the same size and shape.
const token = app.jwt.sign({
  iss: ISSUER,
  sub: userId,
  aud: ISSUER,
  jti: id(),
  sid: id(),
  amr: ['pwd'],
  auth_time: Math.floor(now / 1000),
});
const ready: JwtServerReady = {
  authorization: `Bearer ${token}`,
  body: { id: userId, type: 'user', auth_method: 'bearer', amr: ['pwd'], fresh: true },
};
process.stdout.write(`${READY_MARKER} ${JSON.stringify(ready)}\n`);
