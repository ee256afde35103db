import { ConflictError } from '../core/errors.ts';
import type { EventOrigin, EventPublisher } from '../core/events.ts';
import type { SessionManager } from './session-manager.ts';

/** 409 when `sessions.maxPerUserPolicy` is `deny_new` and the user is at the cap. */
export class SessionLimitError extends ConflictError {
  constructor(max: number) {
    super(`This account already has ${max} active sessions; log out elsewhere first.`, 'LIFT_SESSION_LIMIT');
  }
}

/**
 * Makes room for one more session of `userId` under `sessions.maxPerUser`: evicts the oldest live sessions
 * (`evict_oldest`), or refuses with `SessionLimitError` (`deny_new`).
 */
export async function enforceSessionCap(
  manager: Pick<SessionManager, 'settings' | 'list' | 'revoke'>,
  events: EventPublisher,
  userId: string,
  origin: EventOrigin,
): Promise<void> {
  const max = manager.settings.maxPerUser;
  if (max <= 0) return;
  const live = await manager.list(userId);
  if (live.length < max) return;
  if (manager.settings.maxPerUserPolicy === 'deny_new') {
    events.emit('session.denied', {
      actor: userId,
      ...origin,
      reason: 'max_per_user',
      data: { max },
    });
    throw new SessionLimitError(max);
  }
  const evicted = live.slice(0, live.length - max + 1);
  for (const record of evicted) {
    await manager.revoke(record.id, { actor: userId, reason: 'max_per_user', origin });
  }
}
