import { existsSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * With two or more CPUs (and `taskset`), servers run on CPU 0 and the load generator on CPU 1, so they never
 * take turns on one core: on a small machine that scheduling noise otherwise moves results by tens of percent.
 * `BENCH_PIN=0` turns it off.
 */
export const PIN = process.env.BENCH_PIN !== '0' && cpus().length >= 2 && existsSync('/usr/bin/taskset');

/** `command args…` to run on `cpu` when pinning is on, unchanged otherwise. */
export function pinned(cpu: number, command: string, args: string[]): { command: string; args: string[] } {
  return PIN
    ? { command: '/usr/bin/taskset', args: ['-c', String(cpu), command, ...args] }
    : { command, args };
}
