import { randomUUID } from 'node:crypto';
import { openSecret, sealSecret } from '../core/crypto/secret-box.ts';
import type { ModuleKeys } from '../core/module.ts';
import type { Job, JobQueue } from '../storage/index.ts';
import type { MailMessage, MailTransport } from './ports.ts';
import type { RenderedMail } from './templates.ts';

export interface MailQueueOptions {
  jobs: JobQueue;
  /** The transport, looked up at delivery: building an app for `lift migrate` needs no mail destination. */
  mail: () => MailTransport;
  keys: ModuleKeys;
  /** The job type of this queue's mail (`identity.mail`); one queue per type, its handler registered here. */
  type: string;
  /**
   * The root-secret purpose of the key that seals the queued mail (its links hold live tokens). Fixed for the
   * life of a deployment: mail queued under one purpose opens only with it.
   */
  keyPurpose: string;
}

/**
 * A module's mail, sent through the durable job queue (storage/outbox/): queued before the answer, sent by
 * whichever process claims the job, retried with backoff after a transport failure or a crash. The message is
 * sealed in the outbox (it carries a live link) and wiped once sent. Delivery is at least once; each message
 * carries its job's key, so the file and memory transports take a retried message once and SMTP receivers see
 * the same `Message-ID`.
 */
export class MailQueue {
  readonly #jobs: JobQueue;
  readonly #mail: () => MailTransport;
  readonly #keys: ModuleKeys;
  readonly #type: string;
  readonly #keyPurpose: string;

  constructor(options: MailQueueOptions) {
    this.#jobs = options.jobs;
    this.#mail = options.mail;
    this.#keys = options.keys;
    this.#type = options.type;
    this.#keyPurpose = options.keyPurpose;
    this.#jobs.handle(this.#type, (job) => this.#deliver(job));
  }

  async send(to: string, rendered: RenderedMail): Promise<void> {
    const key = randomUUID();
    const message: MailMessage = { to, ...rendered, key };
    const sealed = sealSecret(this.#keys.derive(this.#keyPurpose), Buffer.from(JSON.stringify(message)), {
      associatedData: key,
    });
    await this.#jobs.enqueue(this.#type, sealed, { key });
  }

  async #deliver(job: Job): Promise<void> {
    const keys = [this.#keys.derive(this.#keyPurpose), ...this.#keys.previous(this.#keyPurpose)];
    const message = JSON.parse(
      openSecret(keys, job.payload, { associatedData: job.key }).toString(),
    ) as MailMessage;
    await this.#mail().send({ ...message, key: job.key });
  }
}
