import { watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import type { RandomSource } from '../core/crypto/random.ts';
import { FileMailTransport, readMailbox } from './file-transport.ts';
import { MailUnavailableError } from './mail-unavailable-error.ts';

/** Every call returns bytes filled with the next value, so ids are known and distinct. */
function countingRandom(): RandomSource {
  let next = 1;
  return { bytes: (length) => Buffer.alloc(length, next++) };
}

let root: string;
let directory: string;
let clock: ManualClock;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lift-mail-'));
  directory = join(root, 'mail');
  clock = new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const message = {
  to: 'ada@example.com',
  subject: 'Reset your password',
  text: 'Open this link:\n\nhttps://app.example.com/reset?token=abc&user=1\n\nSee https://example.com/help.\n',
  html:
    '<p><a href="https://app.example.com/reset?token=abc&amp;user=1">Reset</a></p>' +
    '<p><a href="http://example.com/unsubscribe?a=1&amp;b=2&#38;c=3">Unsubscribe</a></p>',
};

describe('FileMailTransport', () => {
  it('writes exactly one JSON file named <timestamp>-<id>.json with the links extracted', async () => {
    const transport = new FileMailTransport({ directory, clock, random: countingRandom() });
    const { id } = await transport.send(message);

    expect(id).toBe(Buffer.alloc(16, 1).toString('base64url'));
    const names = await readdir(directory);
    expect(names).toEqual([`2026-01-02T03-04-05.678Z-${id}.json`]);
    const stored: unknown = JSON.parse(await readFile(join(directory, names[0] ?? ''), 'utf8'));
    expect(stored).toStrictEqual({
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      links: [
        'https://app.example.com/reset?token=abc&user=1',
        'https://example.com/help',
        'http://example.com/unsubscribe?a=1&b=2&c=3',
      ],
    });
  });

  it('creates the directory 0700 and each file 0600', async () => {
    const transport = new FileMailTransport({ directory, clock });
    await transport.send(message);

    expect((await stat(directory)).mode & 0o777).toBe(0o700);
    const [name] = await readdir(directory);
    expect((await stat(join(directory, name ?? ''))).mode & 0o777).toBe(0o600);
  });

  it('writes under a temporary name that is not .json and renames it, so readers never see half a file', async () => {
    await mkdir(directory, { recursive: true });
    const seen = new Set<string>();
    const transport = new FileMailTransport({ directory, clock, random: countingRandom() });
    const finalName = `2026-01-02T03-04-05.678Z-${Buffer.alloc(16, 1).toString('base64url')}.json`;
    const watcher = watch(directory);
    const finalSeen = new Promise<void>((resolve) => {
      watcher.on('change', (_event, name) => {
        seen.add(String(name));
        if (name === finalName) resolve();
      });
    });
    try {
      await transport.send(message);
      await finalSeen;
    } finally {
      watcher.close();
    }

    const temporary = [...seen].filter((name) => name !== finalName);
    expect(temporary.length).toBeGreaterThan(0);
    for (const name of temporary) expect(name.endsWith('.json')).toBe(false);
    expect(await readdir(directory)).toEqual([finalName]);
  });

  it('fails with LIFT_MAIL_UNAVAILABLE and leaves no temporary file when the message cannot be stored', async () => {
    const random = countingRandom();
    const blocked = `2026-01-02T03-04-05.678Z-${Buffer.alloc(16, 1).toString('base64url')}.json`;
    await mkdir(join(directory, blocked, 'occupied'), { recursive: true });
    const transport = new FileMailTransport({ directory, clock, random });

    const error = await transport.send(message).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(MailUnavailableError);
    expect(error).toMatchObject({ code: 'LIFT_MAIL_UNAVAILABLE', status: 503 });
    expect(await readdir(directory)).toEqual([blocked]);
  });
});

describe('readMailbox', () => {
  it('returns the messages oldest first, with id, time and links', async () => {
    const transport = new FileMailTransport({ directory, clock, random: countingRandom() });
    clock.advance(2000);
    const second = await transport.send({ ...message, to: 'second@example.com' });
    clock.set(Date.UTC(2025, 11, 31, 23, 59, 59, 999));
    const first = await transport.send({ ...message, to: 'first@example.com' });
    clock.set(Date.UTC(2026, 5, 1));
    const third = await transport.send({ ...message, to: 'third@example.com' });

    const mailbox = await readMailbox(directory);

    expect(mailbox.map((mail) => [mail.id, mail.to, mail.sentAt])).toEqual([
      [first.id, 'first@example.com', '2025-12-31T23:59:59.999Z'],
      [second.id, 'second@example.com', '2026-01-02T03:04:07.678Z'],
      [third.id, 'third@example.com', '2026-06-01T00:00:00.000Z'],
    ]);
    expect(mailbox[0]?.links[0]).toBe('https://app.example.com/reset?token=abc&user=1');
  });

  it('treats a missing directory as an empty mailbox', async () => {
    expect(await readMailbox(join(root, 'nowhere'))).toEqual([]);
  });
});
