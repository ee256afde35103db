export { type CreateMailTransportOptions, createMailTransport, mailUrlOf } from './create-mail-transport.ts';
export { MAIL_ERRORS } from './error-codes.ts';
export {
  FileMailTransport,
  type FileMailTransportOptions,
  readMailbox,
  type StoredMail,
} from './file-transport.ts';
export { extractMailLinks } from './mail-links.ts';
export { MailQueue, type MailQueueOptions } from './mail-queue.ts';
export { MailUnavailableError } from './mail-unavailable-error.ts';
export { MemoryMailTransport, type MemoryMailTransportOptions } from './memory-transport.ts';
export type * from './ports.ts';
export { SmtpMailTransport, type SmtpMailTransportOptions } from './smtp-transport.ts';
export * from './templates.ts';
