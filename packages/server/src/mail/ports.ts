/** One message, already rendered. Lift sends every mail with both a plain-text and an HTML part. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /**
   * Names the message across retries of the job that sends it (letters, digits, `-` only). A transport that
   * has already taken a message with this key takes it again as a no-op (file, memory) or marks it so the
   * receiver can tell (SMTP `Message-ID`): mail jobs are delivered at least once, read once.
   */
  key?: string;
}

/** Where mail goes: a file per message in development, SMTP in production, memory in tests. */
export interface MailTransport {
  /** Resolves once the message is handed over; rejects with `MailUnavailableError` when it could not be. */
  send(message: MailMessage): Promise<{ id: string }>;
  /**
   * Resolves when the transport could take a message now (the `mail` health component); rejects with
   * `MailUnavailableError` otherwise. SMTP connects and logs in; file and memory are always up.
   */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A message as the file and memory transports keep it, with the absolute links found in it. */
export interface DeliveredMail extends MailMessage {
  id: string;
  /** ISO 8601 time the transport accepted the message. */
  sentAt: string;
  /** Every absolute http(s) URL in the text and HTML parts, deduplicated, in order of appearance. */
  links: string[];
}
