import cluster from 'node:cluster';
import type { LoadedConfig } from '../core/config/index.ts';
import { installClusterBrokerRelay } from '../storage/index.ts';
import { loadApp } from './load-app.ts';

/**
 * `lift serve`: one process, or with `workers > 1` a node:cluster primary that prepares the data (secret,
 * migrations) once and forks the workers. SIGTERM/SIGINT drain in-flight requests, close stores, exit 0.
 */

function onStopSignal(stop: (signal: NodeJS.Signals) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal means "now".
      process.exit(1);
    }
    stopping = true;
    stop(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`lift: shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

async function serveOne(loaded: LoadedConfig): Promise<void> {
  const app = await loadApp(loaded);
  for (const warning of loaded.warnings) app.log.warn(warning);
  const address = await app.listen();
  onStopSignal(async (signal) => {
    app.log.info({ signal }, 'shutting down: draining in-flight requests');
    await app.close();
  });
  if (cluster.isWorker) app.log.info({ url: address.url, pid: process.pid }, 'worker listening');
  else console.log(`Lift listening on ${address.url}`);
}

async function servePrimary(loaded: LoadedConfig): Promise<void> {
  const { config } = loaded;
  // Secret and migrations happen once, here, so workers never race on them.
  const app = await loadApp(loaded);
  for (const warning of loaded.warnings) app.log.warn(warning);
  await app.start();
  await app.close();
  installClusterBrokerRelay(cluster);
  if (config.storage.kv === 'memory:') {
    app.log.warn(
      'storage.kv is memory: each worker keeps its own key-value state; use "sql" or redis:// to share it',
    );
  }

  let stopping = false;
  let listening = 0;
  cluster.on('listening', () => {
    listening += 1;
    if (listening === config.workers) {
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      console.log(`Lift listening on http://${host}:${config.port} (${config.workers} workers)`);
    }
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    app.log.error({ pid: worker.process.pid, code, signal }, 'worker died; starting a new one');
    cluster.fork();
  });
  for (let i = 0; i < config.workers; i += 1) cluster.fork();
  onStopSignal(async () => {
    stopping = true;
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
  });
}

export async function serve(loaded: LoadedConfig): Promise<void> {
  if (loaded.config.workers > 1 && cluster.isPrimary) return servePrimary(loaded);
  return serveOne(loaded);
}
