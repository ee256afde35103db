import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { LiftConfigError } from '../core/errors.ts';
import { createMailTransport, mailUrlOf } from './create-mail-transport.ts';
import { FileMailTransport } from './file-transport.ts';
import { MemoryMailTransport } from './memory-transport.ts';
import { SmtpMailTransport } from './smtp-transport.ts';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lift-data-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const from = 'no-reply@example.com';
const message = { to: 'ada@example.com', subject: 'Hi', text: 'See https://a.example/x', html: '<p>hi</p>' };

describe('createMailTransport', () => {
  it('file: writes under <dataDir>/mail', async () => {
    const transport = createMailTransport({ url: 'file:', dataDir, from });
    expect(transport).toBeInstanceOf(FileMailTransport);
    await transport.send(message);
    expect(await readdir(join(dataDir, 'mail'))).toHaveLength(1);
  });

  it('file:<dir> writes under that directory, relative to dataDir', async () => {
    const transport = createMailTransport({ url: 'file:outbox', dataDir, from });
    await transport.send(message);
    expect(await readdir(join(dataDir, 'outbox'))).toHaveLength(1);
  });

  it('memory: keeps every message, in order, with links and time', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const transport = createMailTransport({ url: 'memory:', dataDir, from, clock });
    expect(transport).toBeInstanceOf(MemoryMailTransport);
    const first = await transport.send(message);
    clock.advance(1000);
    const second = await transport.send({ ...message, to: 'bob@example.com' });

    expect((transport as MemoryMailTransport).messages).toEqual([
      { ...message, id: first.id, sentAt: '2026-01-01T00:00:00.000Z', links: ['https://a.example/x'] },
      {
        ...message,
        to: 'bob@example.com',
        id: second.id,
        sentAt: '2026-01-01T00:00:01.000Z',
        links: ['https://a.example/x'],
      },
    ]);
    expect(first.id).not.toBe(second.id);
  });

  it.each(['smtp://user:pw@mail.example.com:587', 'smtps://mail.example.com'])('%s is SMTP', async (url) => {
    const transport = createMailTransport({ url, dataDir, from });
    expect(transport).toBeInstanceOf(SmtpMailTransport);
    await transport.close();
  });

  it.each([
    ['ftp://user:hunter2@example.com', '"ftp:"'],
    ['SENDMAIL://user:hunter2@example.com', '"sendmail:"'],
    ['no scheme at all', '(none)'],
  ])('rejects %s naming only the scheme', (url, named) => {
    const attempt = () => createMailTransport({ url, dataDir, from });
    expect(attempt).toThrow(LiftConfigError);
    expect(attempt).toThrow(named);
    expect(attempt).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });
});

describe('mailUrlOf', () => {
  it('means file: when unset outside production, and has no default in production', () => {
    expect(mailUrlOf({ env: 'development', mail: {} })).toBe('file:');
    expect(mailUrlOf({ env: 'test', mail: {} })).toBe('file:');
    expect(() => mailUrlOf({ env: 'production', mail: {} })).toThrow(LiftConfigError);
    expect(mailUrlOf({ env: 'production', mail: { url: 'file:' } })).toBe('file:');
    expect(mailUrlOf({ env: 'production', mail: { url: 'smtps://smtp.example.com' } })).toBe(
      'smtps://smtp.example.com',
    );
  });
});
