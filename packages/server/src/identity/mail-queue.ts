import { randomUUID } from 'node:crypto';
import { openSecret, sealSecret } from '../core/crypto/secret-box.ts';
import type { ModuleKeys } from '../core/module.ts';
import type { MailMessage, MailTransport, RenderedMail } from '../mail/index.ts';
import type { Job, JobQueue } from '../storage/index.ts';

/** The job type of identity's mail. */
export const MAIL_JOB = 'identity.mail';
/** The key that seals queued mail (its links hold live tokens), derived from the root secret. */
const MAIL_KEY_PURPOSE = 'lift identity mail queue';

/**
 * Identity's mail, sent through the durable job queue (storage/outbox/): queued before the answer, sent by
 * whichever process claims the job, retried with backoff after a transport failure or a crash. The message is
 * sealed in the outbox (it carries a live verification or reset link) and wiped once sent. Delivery is at least
 * once; each message carries its job's key, so the file and memory transports take a retried message once and
 * SMTP receivers see the same `Message-ID`.
 */
export class MailQueue {
  readonly #jobs: JobQueue;
  readonly #mail: () => MailTransport;
  readonly #keys: ModuleKeys;

  constructor(input: { jobs: JobQueue; mail: () => MailTransport; keys: ModuleKeys }) {
    this.#jobs = input.jobs;
    this.#mail = input.mail;
    this.#keys = input.keys;
    this.#jobs.handle(MAIL_JOB, (job) => this.#deliver(job));
  }

  async send(to: string, rendered: RenderedMail): Promise<void> {
    const key = randomUUID();
    const message: MailMessage = { to, ...rendered, key };
    const sealed = sealSecret(this.#keys.derive(MAIL_KEY_PURPOSE), Buffer.from(JSON.stringify(message)), {
      associatedData: key,
    });
    await this.#jobs.enqueue(MAIL_JOB, sealed, { key });
  }

  async #deliver(job: Job): Promise<void> {
    const keys = [this.#keys.derive(MAIL_KEY_PURPOSE), ...this.#keys.previous(MAIL_KEY_PURPOSE)];
    const message = JSON.parse(
      openSecret(keys, job.payload, { associatedData: job.key }).toString(),
    ) as MailMessage;
    await this.#mail().send({ ...message, key: job.key });
  }
}
