import { stagedEvent } from '../../../test/support/event-rows.ts';
import type { Announce } from '../../core/events.ts';
import type { AccessStoresTarget } from './access-stores-target.ts';

/**
 * What the access stores' conformance suites check the transactional outbox with (core/events.ts `Announce`):
 * a change whose `announce` throws must leave nothing behind, and the events an `announce` returns must be in
 * the outbox once the change returned.
 */

export const ANNOUNCE_FAILURE = 'cannot write the events';

/** An `announce` that fails as a failing outbox write would: the change must roll back with it. */
export function failingAnnounce(): never {
  throw new Error(ANNOUNCE_FAILURE);
}

/** An `announce` that keeps every result it is given and stages one `type` event carrying `data(result)`. */
export function recordingAnnounce<R>(
  type: string,
  data: (result: R) => Record<string, unknown>,
): { seen: R[]; announce: Announce<R> } {
  const seen: R[] = [];
  return {
    seen,
    announce(result) {
      seen.push(result);
      return [stagedEvent(type, data(result))];
    },
  };
}

/** Type and data of every event the stores wrote to the outbox, oldest first. */
export async function writtenEvents(target: AccessStoresTarget): Promise<Array<[string, unknown]>> {
  return (await target.events.written()).map((event) => [event.type, event.data]);
}
