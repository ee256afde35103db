import type * as Nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { LiftConfigError } from '../core/errors.ts';
import { lazyRequire } from '../core/lazy-require.ts';
import { headerText } from './header-text.ts';
import { MailUnavailableError } from './mail-unavailable-error.ts';
import type { MailMessage, MailTransport } from './ports.ts';

const nodemailer = lazyRequire<typeof Nodemailer>('nodemailer');

export interface SmtpMailTransportOptions {
  /** `smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://…` (TLS from the start). */
  url: string;
  /** The From header, e.g. `"Lift" <no-reply@example.com>`. */
  from: string;
  /** Connect, greeting and socket inactivity limit. Default 10 000 ms. */
  timeoutMs?: number;
}

interface SmtpEndpoint {
  host: string;
  port: number | undefined;
  secure: boolean;
  user: string;
  pass: string;
}

function parseSmtpUrl(url: string): SmtpEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The URL may hold a password, so it is never echoed.
    throw new LiftConfigError('mail.url is not a valid URL.');
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new LiftConfigError(`mail.url scheme "${parsed.protocol}" is not smtp: or smtps:.`);
  }
  if (!parsed.hostname) throw new LiftConfigError('mail.url names no SMTP host.');
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : undefined,
    secure: parsed.protocol === 'smtps:',
    user: decodeURIComponent(parsed.username),
    pass: decodeURIComponent(parsed.password),
  };
}

/** Production transport: SMTP through nodemailer. Failures become `MailUnavailableError` (503). */
export class SmtpMailTransport implements MailTransport {
  private readonly endpoint: SmtpEndpoint;
  private readonly from: string;
  private readonly transporter: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(options: SmtpMailTransportOptions) {
    this.endpoint = parseSmtpUrl(options.url);
    this.from = options.from;
    const timeout = options.timeoutMs ?? 10_000;
    const { host, port, secure, user, pass } = this.endpoint;
    this.transporter = nodemailer().createTransport({
      host,
      ...(port === undefined ? {} : { port }),
      secure,
      ...(user ? { auth: { user, pass } } : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
  }

  async send(message: MailMessage): Promise<{ id: string }> {
    try {
      const info = await this.transporter.sendMail({
        from: this.from,
        to: message.to,
        subject: headerText(message.subject),
        text: message.text,
        html: message.html,
        ...(message.key === undefined ? {} : { messageId: `<${message.key}@lift>` }),
      });
      return { id: info.messageId };
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  /** Connects, greets and logs in as `send` would (nodemailer's `verify`), then hangs up. */
  async ping(): Promise<void> {
    try {
      await this.transporter.verify();
    } catch (error) {
      throw this.unavailable(error, 'did not answer the connection check');
    }
  }

  async close(): Promise<void> {
    this.transporter.close();
  }

  /** Keeps the server's reason (useful in logs) but scrubs the password wherever it might appear. */
  private unavailable(error: unknown, what = 'did not accept the message'): MailUnavailableError {
    const { host, port, pass } = this.endpoint;
    const code =
      typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown';
    const reason = error instanceof Error ? error.message : String(error);
    const where = port === undefined ? host : `${host}:${port}`;
    return new MailUnavailableError(`The SMTP server ${where} ${what} (${code}).`, {
      cause: new Error(pass ? reason.replaceAll(pass, '***') : reason),
    });
  }
}
