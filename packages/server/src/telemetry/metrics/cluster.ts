import type { Cluster, Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import type { MetricJson } from './instruments.ts';
import { renderMetrics } from './registry.ts';

/**
 * One scrape for a whole `lift serve --workers N`: the primary asks every worker for its metrics over the
 * cluster's IPC channel and joins them (registry.ts `renderMetrics`). A worker serving `/metrics` asks the
 * primary; the primary's own listener (`metrics.port`) asks the workers directly. A worker that does not answer
 * within the deadline is left out of that scrape, and the scrape says how many answered
 * (`lift_cluster_workers_scraped`), so a gap is visible instead of silent.
 */

const ASK_WORKERS = 'lift:metrics:ask-workers';
const SNAPSHOT_REQUEST = 'lift:metrics:snapshot-request';
const SNAPSHOT = 'lift:metrics:snapshot';
const CLUSTER_TEXT = 'lift:metrics:cluster-text';

interface Message {
  type?: string;
  id?: string;
  metrics?: MetricJson[];
  text?: string;
}

const DEADLINE_MS = 2_000;

/** In the primary: answers workers' scrapes and returns the function its own listener uses. */
export function installClusterMetrics(cluster: Cluster): { scrape(): Promise<string>; uninstall(): void } {
  const pending = new Map<string, { metrics: MetricJson[][]; waiting: number; done: () => void }>();

  const scrape = async (): Promise<string> => {
    const workers = Object.values(cluster.workers ?? {}).filter(
      (worker): worker is Worker => worker !== undefined && worker.isConnected(),
    );
    const id = randomUUID();
    const gathered: MetricJson[][] = [];
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, DEADLINE_MS);
      const entry = {
        metrics: gathered,
        waiting: workers.length,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      pending.set(id, entry);
      if (workers.length === 0) entry.done();
      for (const worker of workers) worker.send({ type: SNAPSHOT_REQUEST, id });
    });
    pending.delete(id);
    gathered.push([scrapedGauge(gathered.length, workers.length)]);
    return renderMetrics(gathered);
  };

  const onMessage = (worker: Worker, message: Message) => {
    if (message?.type === SNAPSHOT && message.id !== undefined) {
      const entry = pending.get(message.id);
      if (entry === undefined || message.metrics === undefined) return;
      entry.metrics.push(message.metrics);
      entry.waiting -= 1;
      if (entry.waiting === 0) entry.done();
    } else if (message?.type === ASK_WORKERS && message.id !== undefined) {
      const id = message.id;
      scrape().then(
        (text) => worker.send({ type: CLUSTER_TEXT, id, text }),
        () => worker.send({ type: CLUSTER_TEXT, id }),
      );
    }
  };
  cluster.on('message', onMessage);
  return { scrape, uninstall: () => cluster.off('message', onMessage) };
}

function scrapedGauge(answered: number, asked: number): MetricJson {
  return {
    name: 'lift_cluster_workers_scraped',
    help: 'Workers whose metrics this scrape holds, out of the workers alive (label `of`).',
    type: 'gauge',
    aggregator: 'sum',
    values: [{ value: answered, labels: { of: asked } }],
  };
}

/**
 * In a worker: answers the primary's snapshot requests with this process's metrics, and returns the scrape a
 * worker's `/metrics` serves (the primary's join of every worker).
 */
export function installWorkerMetrics(collect: () => Promise<MetricJson[]>): {
  scrape(): Promise<string>;
  uninstall(): void;
} {
  const waiting = new Map<string, (text: string | undefined) => void>();
  const onMessage = (message: Message) => {
    if (message?.type === SNAPSHOT_REQUEST && message.id !== undefined) {
      const id = message.id;
      collect().then(
        (metrics) => process.send?.({ type: SNAPSHOT, id, metrics }),
        () => process.send?.({ type: SNAPSHOT, id, metrics: [] }),
      );
    } else if (message?.type === CLUSTER_TEXT && message.id !== undefined) {
      waiting.get(message.id)?.(message.text);
    }
  };
  process.on('message', onMessage);
  const scrape = (): Promise<string> => {
    const id = randomUUID();
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('the cluster primary did not answer the metrics scrape'));
      }, DEADLINE_MS * 2);
      waiting.set(id, (text) => {
        clearTimeout(timer);
        waiting.delete(id);
        if (text === undefined) reject(new Error('the cluster primary could not gather metrics'));
        else resolve(text);
      });
      process.send?.({ type: ASK_WORKERS, id });
    });
  };
  return { scrape, uninstall: () => process.off('message', onMessage) };
}
