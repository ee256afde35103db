/** Where the client reads the time (token expiry, DPoP `iat`); Lift's server `Clock` has the same shape. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
