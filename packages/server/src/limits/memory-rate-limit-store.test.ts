import { describe } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { MemoryRateLimitStore } from './memory-rate-limit-store.ts';
import { rateLimitStoreConformance } from './rate-limit-store.conformance.ts';

describe('MemoryRateLimitStore', () => {
  rateLimitStoreConformance('memory', async () => {
    const clock = new ManualClock();
    const store = new MemoryRateLimitStore({ clock });
    return { store, clock, close: () => store.close() };
  });
});
