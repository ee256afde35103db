import { isAbsolute, join } from 'node:path';
import type { Clock } from '../core/clock.ts';
import type { RandomSource } from '../core/crypto/random.ts';
import { LiftConfigError } from '../core/errors.ts';
import { FileMailTransport } from './file-transport.ts';
import { MemoryMailTransport } from './memory-transport.ts';
import type { MailTransport } from './ports.ts';
import { SmtpMailTransport } from './smtp-transport.ts';

export interface CreateMailTransportOptions {
  /** `file:` (→ `<dataDir>/mail`), `file:<dir>` (relative to `dataDir`), `smtp://…`, `smtps://…` or `memory:`. */
  url: string;
  /** Lift's data directory (`.lift` by default); the file transport writes under it. */
  dataDir: string;
  /** The From header for SMTP. */
  from: string;
  clock?: Clock;
  random?: RandomSource;
}

/**
 * `mail.url`, or `file:` when unset outside production. Production has no default: a server whose mail goes to
 * files nobody reads looks healthy while every verification and reset link is lost, so it must be chosen.
 */
export function mailUrlOf(config: { env: string; mail: { url?: string | undefined } }): string {
  if (config.mail.url !== undefined) return config.mail.url;
  if (config.env !== 'production') return 'file:';
  throw new LiftConfigError(
    'mail.url is not set: in production Lift does not write mail to files by default. Set LIFT_MAIL__URL=smtps://…, or file: to keep file mail on purpose.',
  );
}

/** The one place that turns `mail.url` into a transport. An unknown scheme throws `LiftConfigError` at once. */
export function createMailTransport(options: CreateMailTransportOptions): MailTransport {
  const { url, dataDir, clock, random } = options;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'file': {
      const path = url.slice('file:'.length);
      const directory = path === '' ? join(dataDir, 'mail') : isAbsolute(path) ? path : join(dataDir, path);
      return new FileMailTransport({ directory, ...(clock && { clock }), ...(random && { random }) });
    }
    case 'memory':
      return new MemoryMailTransport({ ...(clock && { clock }), ...(random && { random }) });
    case 'smtp':
    case 'smtps':
      return new SmtpMailTransport({ url, from: options.from });
    default:
      // Only the scheme is named: the rest of the URL may hold a password.
      throw new LiftConfigError(
        `mail.url scheme ${scheme === undefined ? '(none)' : `"${scheme}:"`} is not supported; use file:, smtp://…, smtps://… or memory:.`,
      );
  }
}
