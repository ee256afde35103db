/**
 * Load settings shared by the HTTP-style benchmarks. Flags win over environment variables, which win over the
 * defaults: `--duration`/`BENCH_DURATION`, `--connections`/`BENCH_CONNECTIONS`, `--pipelining`/`BENCH_PIPELINING`,
 * `--warmup`/`BENCH_WARMUP`, `--rounds`/`BENCH_ROUNDS`.
 */
import { parseArgs } from 'node:util';

export interface LoadSettings {
  /** Measured seconds per target per round. */
  durationSeconds: number;
  /** Discarded seconds of load before each measurement. */
  warmupSeconds: number;
  connections: number;
  pipelining: number;
  rounds: number;
}

const DEFAULTS = {
  durationSeconds: 10,
  /** Capped at the duration, so a smoke run (`BENCH_DURATION=1`) also warms up for only 1 s. */
  warmupSeconds: 2,
  connections: 50,
  pipelining: 1,
  rounds: 2,
};

function pick(
  name: string,
  flag: string | undefined,
  envName: string,
  fallback: number,
  min: number,
): number {
  const raw = flag ?? process.env[envName];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(
      `${name} (--${name} or ${envName}) must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

export function readLoadSettings(argv: string[] = process.argv.slice(2)): LoadSettings {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      pipelining: { type: 'string' },
      rounds: { type: 'string' },
    },
    strict: true,
  });
  const durationSeconds = pick('duration', values.duration, 'BENCH_DURATION', DEFAULTS.durationSeconds, 1);
  const defaultWarmup = Math.min(DEFAULTS.warmupSeconds, durationSeconds);
  return {
    durationSeconds,
    warmupSeconds: pick('warmup', values.warmup, 'BENCH_WARMUP', defaultWarmup, 0),
    connections: pick('connections', values.connections, 'BENCH_CONNECTIONS', DEFAULTS.connections, 1),
    pipelining: pick('pipelining', values.pipelining, 'BENCH_PIPELINING', DEFAULTS.pipelining, 1),
    rounds: pick('rounds', values.rounds, 'BENCH_ROUNDS', DEFAULTS.rounds, 1),
  };
}
