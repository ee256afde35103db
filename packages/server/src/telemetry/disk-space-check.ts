import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { HealthCheck, HealthObservation } from './health.ts';

/**
 * The `disk` component of the SQLite shape: free bytes (for an unprivileged process) on the filesystem that
 * holds the database file, down below `minFreeBytes` — a database that cannot grow fails nearly every request,
 * since sessions, counters and the outbox all write to it.
 */
export function diskSpaceCheck(options: { file: string; minFreeBytes: number }): HealthCheck {
  const { minFreeBytes } = options;
  const file = resolve(options.file);
  return {
    async ping(): Promise<HealthObservation> {
      const stats = await statfsOfNearest(dirname(file));
      const free = Number(stats.bavail) * Number(stats.bsize);
      if (free < minFreeBytes) {
        throw new Error(`${free} bytes free on the filesystem of ${file}, below the minimum ${minFreeBytes}`);
      }
      return { free_bytes: free };
    },
  };
}

/** The directory may not exist before the database is first opened: its nearest existing ancestor is on the same filesystem then. */
async function statfsOfNearest(directory: string): Promise<Awaited<ReturnType<typeof statfs>>> {
  try {
    return await statfs(directory);
  } catch (error) {
    const parent = dirname(directory);
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === directory) throw error;
    return statfsOfNearest(parent);
  }
}
