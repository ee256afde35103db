import cluster from 'node:cluster';
import { MemoryBroker } from '../../src/storage/memory/memory-broker.ts';

/**
 * A `node:cluster` worker for the broker relay test: reports what its MemoryBroker receives on `relay-test`,
 * and publishes when the primary says so. Test messages carry `test`, never `lift`, so the relay and the
 * broker must let them pass untouched.
 */
type Command = { test: 'publish'; message: string } | { test: 'stop' };

const report = (message: object) =>
  process.send?.({ test: 'report', worker: cluster.worker?.id, ...message });

const broker = new MemoryBroker();
await broker.subscribe('relay-test', (message) => report({ received: message }));

process.on('message', async (command: Command) => {
  if (command.test === 'publish') await broker.publish('relay-test', command.message);
  if (command.test === 'stop') {
    await broker.close();
    process.disconnect();
  }
});

report({ ready: true });
