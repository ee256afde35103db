import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, systemClock } from '../core/clock.ts';
import { cryptoRandom, type RandomSource, randomId } from '../core/crypto/random.ts';
import { headerText } from './header-text.ts';
import { extractMailLinks } from './mail-links.ts';
import { MailUnavailableError } from './mail-unavailable-error.ts';
import type { DeliveredMail, MailMessage, MailTransport } from './ports.ts';

export interface FileMailTransportOptions {
  /** Created (mode 0700) on first send when missing. */
  directory: string;
  clock?: Clock;
  random?: RandomSource;
}

/** What each `<timestamp>-<id>.json` file holds. */
export interface StoredMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  links: string[];
}

const FILE_SUFFIX = '.json';
/** `2026-01-01T00-00-00.000Z-<id>.json`: the ISO time with ':' replaced, so it sorts and is a legal file name. */
const FILE_NAME = /^(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z)-(.+)\.json$/;

/**
 * Development transport: one JSON file per message, so people and tests can read the mail (and its links)
 * without a mail server. Files are written to a temporary name that does not end in `.json` and renamed, so a
 * reader never sees half a message.
 */
export class FileMailTransport implements MailTransport {
  readonly directory: string;
  private readonly clock: Clock;
  private readonly random: RandomSource;

  constructor(options: FileMailTransportOptions) {
    this.directory = options.directory;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? cryptoRandom;
  }

  async send(message: MailMessage): Promise<{ id: string }> {
    const id = message.key ?? randomId(this.random);
    if (message.key !== undefined && (await this.#holds(message.key))) return { id };
    const timestamp = new Date(this.clock.now()).toISOString().replaceAll(':', '-');
    const name = `${timestamp}-${id}${FILE_SUFFIX}`;
    const stored: StoredMail = {
      to: message.to,
      subject: headerText(message.subject),
      text: message.text,
      html: message.html,
      links: extractMailLinks(message.text, message.html),
    };
    const temporary = join(this.directory, `.${name}.tmp`);
    try {
      await mkdir(this.directory, { recursive: true, mode: 0o700 });
      await writeFile(temporary, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      await rename(temporary, join(this.directory, name));
    } catch (error) {
      await rm(temporary, { force: true });
      throw new MailUnavailableError(`Could not write the message to the mail directory ${this.directory}.`, {
        cause: error,
      });
    }
    return { id };
  }

  /** Always up: a write failure shows on `send`, where it is retried by the mail job. */
  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  /** Whether a message with this key was already written (a retried mail job). */
  async #holds(key: string): Promise<boolean> {
    const suffix = `-${key}${FILE_SUFFIX}`;
    try {
      return (await readdir(this.directory)).some((name) => name.endsWith(suffix));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }
}

/** The messages in a file transport's directory, oldest first; an absent directory is an empty mailbox. */
export async function readMailbox(directory: string): Promise<DeliveredMail[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const entries: { name: string; mail: DeliveredMail }[] = [];
  for (const name of names) {
    const match = FILE_NAME.exec(name);
    if (!match) continue;
    const [, timestamp = '', id = ''] = match;
    const stored = JSON.parse(await readFile(join(directory, name), 'utf8')) as StoredMail;
    entries.push({ name, mail: { id, sentAt: isoFromFileTimestamp(timestamp), ...stored } });
  }
  return entries
    .sort((a, b) => compareByTime(a.mail.sentAt, b.mail.sentAt) || compareByTime(a.name, b.name))
    .map((entry) => entry.mail);
}

function isoFromFileTimestamp(timestamp: string): string {
  const [date, time = ''] = timestamp.split('T');
  return `${date}T${time.replace(/^(\d{2})-(\d{2})-/, '$1:$2:')}`;
}

function compareByTime(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
