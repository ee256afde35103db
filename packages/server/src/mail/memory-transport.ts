import { type Clock, systemClock } from '../core/clock.ts';
import { cryptoRandom, type RandomSource, randomId } from '../core/crypto/random.ts';
import { headerText } from './header-text.ts';
import { extractMailLinks } from './mail-links.ts';
import type { DeliveredMail, MailMessage, MailTransport } from './ports.ts';

export interface MemoryMailTransportOptions {
  clock?: Clock;
  random?: RandomSource;
}

/** Test transport: keeps every message, in send order, in `messages`. */
export class MemoryMailTransport implements MailTransport {
  readonly messages: DeliveredMail[] = [];
  private readonly clock: Clock;
  private readonly random: RandomSource;

  constructor(options: MemoryMailTransportOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? cryptoRandom;
  }

  async send(message: MailMessage): Promise<{ id: string }> {
    const id = message.key ?? randomId(this.random);
    if (message.key !== undefined && this.messages.some((sent) => sent.id === message.key)) return { id };
    this.messages.push({
      id,
      sentAt: new Date(this.clock.now()).toISOString(),
      to: message.to,
      subject: headerText(message.subject),
      text: message.text,
      html: message.html,
      links: extractMailLinks(message.text, message.html),
    });
    return { id };
  }

  /** Always up: a write failure shows on `send`, where it is retried by the mail job. */
  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
