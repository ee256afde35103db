import type { Logger } from 'pino';

/**
 * Work the identity flows do after answering: sending mail, and the account-dependent half of "forgot
 * password" and "resend verification", so that the response time cannot tell whether an account exists.
 * Failures are logged with the task's label; `idle()` waits for everything started so far (graceful
 * shutdown waits for it, so nothing queued is lost on SIGTERM; tests use it instead of sleeping).
 */
export class BackgroundTasks {
  readonly #pending = new Set<Promise<void>>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /**
   * Starts `task` on a later turn of the event loop, not as a microtask: SQLite calls run synchronously, so a
   * task started in the same turn would run its account-dependent queries before the response is written,
   * and the answer's timing would again depend on the account.
   */
  run(label: string, task: () => Promise<unknown>): void {
    const promise: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(task)
      .then(
        () => undefined,
        (error: unknown) => {
          this.#log.error({ err: error, task: label }, 'background task failed');
        },
      )
      .finally(() => {
        this.#pending.delete(promise);
      });
    this.#pending.add(promise);
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Resolves once every task started before or during the wait has finished. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}
