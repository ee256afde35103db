import { LiftError } from '../core/errors.ts';

/** The mail transport could not take the message (server down, refused, timed out). Never carries credentials. */
export class MailUnavailableError extends LiftError {
  constructor(detail: string, options: { cause?: unknown } = {}) {
    super('LIFT_MAIL_UNAVAILABLE', 503, 'Mail unavailable', { ...options, detail });
  }
}
