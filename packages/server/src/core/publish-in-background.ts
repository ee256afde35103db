import type { Broker } from '../storage/index.ts';

/**
 * Hands `message` to the broker without waiting for it: publishing news never delays an answer, and a broker
 * outage costs the caller nothing (DESIGN §2 rule 4). A failure goes to `onFailure`; whoever relies on the
 * message reaching other nodes also registers `Broker.onResync`, because a failed or lost message is
 * recovered from durable state, not by retrying it.
 */
export function publishInBackground(
  broker: Broker,
  channel: string,
  message: string,
  onFailure: (error: unknown) => void,
): void {
  let sending: Promise<void>;
  try {
    sending = broker.publish(channel, message);
  } catch (error) {
    onFailure(error);
    return;
  }
  sending.catch(onFailure);
}
