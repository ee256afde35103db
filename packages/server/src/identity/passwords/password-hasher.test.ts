import { describe, expect, it } from 'vitest';
import { createPasswordHasher, PasswordTooLongError } from './password-hasher.ts';

/**
 * A timing comparison is statistics on a shared machine: a burst of load during one attempt can push it over its
 * bound. A real difference (an unknown account answering faster) fails every attempt; noise rarely repeats.
 */
const TIMING = { retry: 3 };

// Parameters do not matter for behaviour, so most tests use cheap ones to stay quick.
const hasher = createPasswordHasher({ memoryCost: 1024, timeCost: 1 });

describe('createPasswordHasher', () => {
  it('hashes with argon2id and the default OWASP parameters', async () => {
    const stored = await createPasswordHasher().hash('correct horse battery staple');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await createPasswordHasher().verify(stored, 'correct horse battery staple')).toBe(true);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hasher.hash('unicorn lantern quietly');
    expect(await hasher.verify(stored, 'unicorn lantern quietly')).toBe(true);
    expect(await hasher.verify(stored, 'unicorn lantern quietly!')).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hasher.hash('same password')).not.toBe(await hasher.hash('same password'));
  });

  it('verifies exactly what was typed: no trimming, case folding or normalisation', async () => {
    const composed = 'caf\u00e9 au lait please';
    const decomposed = 'cafe\u0301 au lait please';
    const stored = await hasher.hash(composed);
    expect(await hasher.verify(stored, composed)).toBe(true);
    expect(await hasher.verify(stored, decomposed)).toBe(false);
    expect(await hasher.verify(stored, `${composed} `)).toBe(false);
    expect(await hasher.verify(stored, composed.toUpperCase())).toBe(false);
    expect(await hasher.verify(await hasher.hash(decomposed), composed)).toBe(false);
  });

  it('accepts long passwords and any Unicode without truncating', async () => {
    const long = `${'x'.repeat(127)}y`;
    const stored = await hasher.hash(long);
    expect(await hasher.verify(stored, long)).toBe(true);
    expect(await hasher.verify(stored, `${'x'.repeat(127)}z`)).toBe(false);

    const emoji = '🦄🔑 пароль 密码 🏳️‍🌈';
    expect(await hasher.verify(await hasher.hash(emoji), emoji)).toBe(true);
  });

  it('counts the limit in code points and refuses over-long passwords before hashing', async () => {
    const atLimit = '😀'.repeat(1024);
    expect(await hasher.verify(await hasher.hash(atLimit), atLimit)).toBe(true);

    const over = 'a'.repeat(1025);
    await expect(hasher.hash(over)).rejects.toBeInstanceOf(PasswordTooLongError);
    await expect(hasher.verify(await hasher.hash('short enough'), over)).rejects.toMatchObject({
      code: 'LIFT_PASSWORD_TOO_LONG',
      status: 400,
    });
    await expect(hasher.verifyAgainstDummy(over)).rejects.toBeInstanceOf(PasswordTooLongError);
  });

  it('answers false, never throws, for a malformed stored hash', async () => {
    for (const stored of ['', 'garbage', '$argon2id$v=19$m=1024,t=1,p=1$bad', '$2b$10$notargon']) {
      expect(await hasher.verify(stored, 'anything')).toBe(false);
    }
  });

  it('asks for a rehash when the parameters differ and not when they match', async () => {
    const stored = await hasher.hash('rehash me please');
    expect(hasher.needsRehash(stored)).toBe(false);
    expect(createPasswordHasher({ memoryCost: 2048, timeCost: 1 }).needsRehash(stored)).toBe(true);
    expect(createPasswordHasher({ memoryCost: 1024, timeCost: 2 }).needsRehash(stored)).toBe(true);
    expect(createPasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 2 }).needsRehash(stored)).toBe(
      true,
    );
    expect(hasher.needsRehash(stored.replace('$argon2id$', '$argon2i$'))).toBe(true);
    expect(hasher.needsRehash('not a hash')).toBe(true);
  });
});

describe('verifyAgainstDummy', () => {
  async function elapsedMs(run: () => Promise<unknown>): Promise<number> {
    const start = performance.now();
    await run();
    return performance.now() - start;
  }

  it('answers false and takes as long as verifying a wrong password', TIMING, async () => {
    const timed = createPasswordHasher({ memoryCost: 8192, timeCost: 2 });
    const stored = await timed.hash('the real password');
    expect(await timed.verifyAgainstDummy('the real password')).toBe(false);

    // Alternating, so load on a shared machine hits both kinds alike; the fastest of each, since load only ever
    // adds time. A dummy that skipped the hash would be orders of magnitude faster.
    const wrong: number[] = [];
    const dummy: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      wrong.push(await elapsedMs(() => timed.verify(stored, 'a wrong password')));
      dummy.push(await elapsedMs(() => timed.verifyAgainstDummy('a wrong password')));
    }
    const [fastestWrong, fastestDummy] = [Math.min(...wrong), Math.min(...dummy)];
    expect(Math.abs(fastestDummy - fastestWrong) / fastestWrong).toBeLessThan(0.4);
  });
});
