import cluster from 'node:cluster';
import type { LoadedConfig } from '../core/config/index.ts';
import { installClusterBrokerRelay } from '../storage/index.ts';
import { installClusterMetrics, type MetricsListener, startMetricsListener } from '../telemetry/index.ts';
import { type CliIo, writeLine } from './io.ts';
import { loadApp } from './load-app.ts';

/**
 * `lift serve`: one process, or with `workers > 1` a node:cluster primary that prepares the data (secret,
 * migrations) once and forks the workers. The `lift` process stops on SIGTERM/SIGINT (`stopOnSignals`): drain
 * in-flight requests, close stores, exit 0. Run in a test's process, the test stops it with `close()`.
 */

/** A running `lift serve`. */
export interface Serving {
  url: string;
  /** Drains in-flight requests and closes the stores (with workers: stops every worker). */
  close(signal?: NodeJS.Signals): Promise<void>;
}

/** What the `lift` process does on SIGTERM/SIGINT; only the process installs it, never a run in a test. */
export function stopOnSignals(serving: Serving, io: CliIo): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal means "now".
      process.exit(1);
    }
    stopping = true;
    serving.close(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        writeLine(
          io.stderr,
          `lift: shutdown failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

async function serveOne(loaded: LoadedConfig, io: CliIo): Promise<Serving> {
  const app = await loadApp(loaded, io);
  for (const warning of loaded.warnings) app.log.warn(warning);
  let address: Awaited<ReturnType<typeof app.listen>>;
  try {
    address = await app.listen();
  } catch (error) {
    // A process would exit with the stores still open; a run in a test's process must not leave them behind.
    await app.close().catch(() => {});
    throw error;
  }
  if (cluster.isWorker) app.log.info({ url: address.url, pid: process.pid }, 'worker listening');
  else writeLine(io.stdout, `Lift listening on ${address.url}`);
  return {
    url: address.url,
    close: async (signal) => {
      app.log.info({ signal }, 'shutting down: draining in-flight requests');
      await app.close();
    },
  };
}

async function servePrimary(loaded: LoadedConfig, io: CliIo): Promise<Serving> {
  const { config } = loaded;
  // Secret and migrations happen once, here, so workers never race on them.
  const app = await loadApp(loaded, io);
  for (const warning of loaded.warnings) app.log.warn(warning);
  try {
    await app.start();
  } catch (error) {
    await app.close().catch(() => {});
    throw error;
  }
  await app.close();
  installClusterBrokerRelay(cluster);
  // One scrape for the cluster: the primary gathers every worker's metrics (telemetry/metrics/cluster.ts).
  const clusterMetrics = installClusterMetrics(cluster);
  let metricsListener: MetricsListener | undefined;
  if (config.metrics.mode === 'prometheus' && config.metrics.port !== undefined) {
    metricsListener = await startMetricsListener({
      host: config.metrics.host,
      port: config.metrics.port,
      path: config.metrics.path,
      scrape: clusterMetrics.scrape,
    });
    app.log.info({ url: metricsListener.url, workers: config.workers }, 'metrics listener started');
  }
  if (config.storage.kv === 'memory:') {
    app.log.warn(
      'storage.kv is memory: each worker keeps its own key-value state; use "sql" or redis:// to share it',
    );
  }

  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${config.port}`;
  let stopping = false;
  let listening = 0;
  cluster.on('listening', () => {
    listening += 1;
    if (listening === config.workers)
      writeLine(io.stdout, `Lift listening on ${url} (${config.workers} workers)`);
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    app.log.error({ pid: worker.process.pid, code, signal }, 'worker died; starting a new one');
    cluster.fork();
  });
  for (let i = 0; i < config.workers; i += 1) cluster.fork();
  return {
    url,
    close: async () => {
      stopping = true;
      await metricsListener?.close();
      clusterMetrics.uninstall();
      const workers = Object.values(cluster.workers ?? {});
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((resolve) => {
              if (!worker || worker.isDead()) return resolve();
              worker.once('exit', () => resolve());
              worker.process.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

export async function serve(loaded: LoadedConfig, io: CliIo): Promise<Serving> {
  if (loaded.config.workers > 1 && cluster.isPrimary) return servePrimary(loaded, io);
  return serveOne(loaded, io);
}
