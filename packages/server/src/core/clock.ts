import { randomBytes } from 'node:crypto';

/**
 * Injectable time and randomness (CONVENTIONS: tests are exact and never sleep). Everything in Lift that reads
 * the time or makes a secret goes through these.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}

export interface RandomSource {
  bytes(length: number): Buffer;
}

export const cryptoRandom: RandomSource = { bytes: (length) => randomBytes(length) };

/** A random, URL-safe identifier of `bytes` bytes (default 16 = 128 bits), per DESIGN §5. */
export function randomId(random: RandomSource = cryptoRandom, bytes = 16): string {
  return random.bytes(bytes).toString('base64url');
}
