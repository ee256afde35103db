import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLift, type LiftApp } from '../../src/app/create-lift.ts';

let app: LiftApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('custom access-token claims', () => {
  it('adds the hook’s claims but never lets it replace a registered one', async () => {
    app = createLift(
      { env: 'test', log: { level: 'silent' }, dataDir: mkdtempSync(join(tmpdir(), 'lift-claims-')) },
      {
        tokenClaims: (input) => ({
          plan: 'pro',
          user_hint: input.userId.slice(0, 4),
          sub: 'someone-else',
          exp: 1,
        }),
      },
    );
    await app.start();
    const issued = app.tokens.accessTokens.issue({
      userId: 'user-1234',
      sid: 's',
      amr: ['pwd'],
      authTime: 0,
    });
    expect(issued.claims).toMatchObject({ plan: 'pro', user_hint: 'user', sub: 'user-1234' });
    expect(issued.claims.exp).toBeGreaterThan(1);
    const verified = await app.tokens.accessTokens.verify(issued.token);
    expect(verified.claims.plan).toBe('pro');
  });
});
