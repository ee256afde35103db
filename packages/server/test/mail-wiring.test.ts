import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLift } from '../src/app/create-lift.ts';
import { readMailbox } from '../src/mail/index.ts';

/** `mail.url` reaches the app: by default one JSON file per message under the data directory. */
describe('app.mail', () => {
  it('writes mail to <dataDir>/mail by default, links extracted', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'lift-mail-'));
    const app = createLift({ env: 'test', dataDir, log: { level: 'silent' } });
    await app.mail.send({
      to: 'ada@example.com',
      subject: 'Verify',
      text: 'Open https://app.example.com/verify?token=abc\n',
      html: '<a href="https://app.example.com/verify?token=abc">Verify</a>',
    });
    const [message] = await readMailbox(path.join(dataDir, 'mail'));
    expect(message).toMatchObject({
      to: 'ada@example.com',
      links: ['https://app.example.com/verify?token=abc'],
    });
    await app.close();
  });

  it('refuses an unknown mail URL scheme when the transport is first used', () => {
    const app = createLift({ env: 'test', log: { level: 'silent' }, mail: { url: 'carrier-pigeon://coop' } });
    expect(() => app.mail).toThrow(/mail.url scheme "carrier-pigeon:" is not supported/);
  });
});
