/**
 * @lift/server/testing — what an app's own tests use: a clock the test moves by hand, the in-memory and file mail
 * transports with the links in a mail, and the random source a test can fix.
 */

export { type SignedInUser, type SignedInUserOptions, signedInUser } from './app/index.ts';
export { type Clock, ManualClock } from './core/clock.ts';
export type { RandomSource } from './core/crypto/random.ts';
export type { DeliveredMail, MailMessage } from './mail/index.ts';
export {
  extractMailLinks,
  MemoryMailTransport,
  type MemoryMailTransportOptions,
  readMailbox,
  type StoredMail,
} from './mail/index.ts';
