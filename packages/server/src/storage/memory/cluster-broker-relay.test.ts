import cluster, { type Cluster, type Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { installClusterBrokerRelay } from './cluster-broker-relay.ts';

interface Report {
  test: 'report';
  worker: number;
  ready?: boolean;
  received?: string;
}

const workerScript = fileURLToPath(
  new URL('../../../test/support/cluster-broker-worker.ts', import.meta.url),
);

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('MemoryBroker across node:cluster workers', () => {
  const workers: Worker[] = [];
  let uninstall: (() => void) | undefined;

  afterAll(async () => {
    uninstall?.();
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            worker.once('exit', () => resolve());
            worker.kill();
          }),
      ),
    );
  });

  it('delivers a publication of one worker to every worker exactly once', async () => {
    uninstall = installClusterBrokerRelay(cluster);
    cluster.setupPrimary({ exec: workerScript, execArgv: ['--import', 'tsx'], silent: false });
    const reports: Report[] = [];
    for (let i = 0; i < 3; i += 1) {
      const worker = cluster.fork();
      worker.on('message', (message: Report) => {
        if (message.test === 'report') reports.push(message);
      });
      workers.push(worker);
    }
    await until(() => reports.filter((report) => report.ready).length === 3, 'three ready workers');

    const [first, second] = workers;
    first!.send({ test: 'publish', message: 'hello from 1 🌍' });
    second!.send({ test: 'publish', message: 'hello from 2' });
    const received = () => reports.filter((report) => report.received !== undefined);
    await until(() => received().length >= 6, 'six deliveries');
    for (const worker of workers) {
      const mine = received()
        .filter((report) => report.worker === worker.id)
        .map((report) => report.received);
      expect(mine.sort()).toEqual(['hello from 1 🌍', 'hello from 2']);
    }
    for (const worker of workers) worker.send({ test: 'stop' });
  });
});

describe('installClusterBrokerRelay', () => {
  class FakeWorker extends EventEmitter {
    sent: unknown[] = [];
    send(message: unknown): boolean {
      this.sent.push(message);
      return true;
    }
    isConnected(): boolean {
      return true;
    }
  }

  it('forwards only Lift broker messages, and not back to the sender', () => {
    const fakeCluster = new EventEmitter() as EventEmitter & { workers: Record<string, FakeWorker> };
    const a = new FakeWorker();
    const b = new FakeWorker();
    fakeCluster.workers = { 1: a, 2: b };
    const uninstallRelay = installClusterBrokerRelay(fakeCluster as unknown as Cluster);
    fakeCluster.emit('message', a, { lift: 'broker', channel: 'c', message: 'm', extra: 'dropped' });
    fakeCluster.emit('message', a, { lift: 'other', channel: 'c', message: 'm' });
    fakeCluster.emit('message', a, { lift: 'broker', channel: 42, message: 'm' });
    fakeCluster.emit('message', a, 'plain text');
    expect(b.sent).toEqual([{ lift: 'broker', channel: 'c', message: 'm' }]);
    expect(a.sent).toEqual([]);
    uninstallRelay();
    fakeCluster.emit('message', a, { lift: 'broker', channel: 'c', message: 'later' });
    expect(b.sent).toHaveLength(1);
  });
});
