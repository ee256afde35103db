import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * The process group that writes news: one per machine process, shared by the workers of one `node:cluster`
 * (they already hear each other through the primary's relay, so they skip each other's news in the outbox).
 */
export function outboxOrigin(): string {
  return `${hostname()}:${cluster.isWorker ? process.ppid : process.pid}`;
}

/** Who holds a claim: unique per process, even across a restart that reuses the pid. */
export function outboxOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}
