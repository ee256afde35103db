import type { Cluster, Worker } from 'node:cluster';

/** What a worker's MemoryBroker sends to the primary, and the primary forwards to the other workers. */
export interface BrokerRelayMessage {
  lift: 'broker';
  channel: string;
  message: string;
}

export function isBrokerRelayMessage(value: unknown): value is BrokerRelayMessage {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    candidate.lift === 'broker' &&
    typeof candidate.channel === 'string' &&
    typeof candidate.message === 'string'
  );
}

/**
 * Called once in the cluster primary: forwards every worker's broker publication to every other worker (the
 * publishing worker has already delivered it locally). Other IPC messages pass untouched. Returns a function
 * that removes the relay.
 */
export function installClusterBrokerRelay(cluster: Cluster): () => void {
  const forward = (sender: Worker, message: unknown): void => {
    if (!isBrokerRelayMessage(message)) return;
    const relayed: BrokerRelayMessage = {
      lift: 'broker',
      channel: message.channel,
      message: message.message,
    };
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker && worker !== sender && worker.isConnected()) worker.send(relayed);
    }
  };
  cluster.on('message', forward);
  return () => {
    cluster.off('message', forward);
  };
}
