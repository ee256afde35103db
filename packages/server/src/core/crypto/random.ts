import { randomBytes, randomFillSync } from 'node:crypto';

/**
 * Randomness for ids and secrets, behind an injectable source so tests are exact (DESIGN §5).
 */

/** Where random bytes come from: `cryptoRandom` in production, a fixed sequence in tests. */
export interface RandomSource {
  bytes(length: number): Buffer;
}

export const cryptoRandom: RandomSource = { bytes: (length) => randomBytes(length) };

/**
 * Ids are made on every request, and one `randomBytes(16)` call costs microseconds; drawing them from a pool
 * filled 4 KiB at a time by the same CSPRNG costs nanoseconds. Pool bytes are used once and never handed out.
 */
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;

function pooledId(bytes: number): string {
  if (poolOffset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const id = pool.toString('base64url', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return id;
}

/** A random, URL-safe identifier of `bytes` bytes (default 16 = 128 bits), per DESIGN §5. */
export function randomId(random: RandomSource = cryptoRandom, bytes = 16): string {
  if (random === cryptoRandom && bytes <= 64) return pooledId(bytes);
  return random.bytes(bytes).toString('base64url');
}

/** A fresh random bearer secret of `bytes` bytes (default 32 = 256 bits) as base64url; store only `hashToken`. */
export function randomSecretToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
