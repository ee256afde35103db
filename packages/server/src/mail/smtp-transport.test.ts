import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { SmtpMailTransport } from './smtp-transport.ts';

interface Received {
  user: string | undefined;
  from: string | undefined;
  recipients: string[];
  raw: string;
}

const USER = 'lift-user';
const PASSWORD = 's3cret-Pa55';

let server: SMTPServer | undefined;

/** A real SMTP server on a free port that checks the credentials and records what it receives. */
async function startServer(): Promise<{ port: number; received: Received[] }> {
  const received: Received[] = [];
  server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          user: typeof session.user === 'string' ? session.user : undefined,
          from: session.envelope.mailFrom === false ? undefined : session.envelope.mailFrom.address,
          recipients: session.envelope.rcptTo.map((address) => address.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  return { port: (server.server.address() as AddressInfo).port, received };
}

afterEach(async () => {
  if (server) await new Promise<void>((resolve) => server?.close(() => resolve()));
  server = undefined;
});

const message = {
  to: 'ada@example.com',
  subject: 'Confirm your email address',
  text: 'Plain part\n\nhttps://app.example.com/verify?token=abc\n',
  html: '<p>HTML part</p>',
};

describe('SmtpMailTransport', () => {
  it('delivers the message, with both parts, to a real SMTP server using the credentials in the URL', async () => {
    const { port, received } = await startServer();
    const transport = new SmtpMailTransport({
      url: `smtp://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`,
      from: '"Lift" <no-reply@example.com>',
    });

    const { id } = await transport.send(message);
    await transport.close();

    expect(id).toMatch(/^<.+@.+>$/);
    expect(received).toHaveLength(1);
    const [mail] = received;
    expect(mail?.user).toBe(USER);
    expect(mail?.from).toBe('no-reply@example.com');
    expect(mail?.recipients).toEqual(['ada@example.com']);
    expect(mail?.raw).toContain('Subject: Confirm your email address');
    expect(mail?.raw).toContain(`Message-ID: ${id}`);
    expect(mail?.raw).toMatch(/Content-Type: multipart\/alternative/);
    expect(mail?.raw).toMatch(/Content-Type: text\/plain[^\r]*\r\n(?:[^\r]+\r\n)*\r\nPlain part\r\n/);
    expect(mail?.raw).toContain('https://app.example.com/verify?token=abc');
    expect(mail?.raw).toMatch(/Content-Type: text\/html[^\r]*\r\n(?:[^\r]+\r\n)*\r\n<p>HTML part<\/p>/);
  });

  it('sends a subject with line breaks and bidi controls as one plain header line', async () => {
    const { port, received } = await startServer();
    const transport = new SmtpMailTransport({
      url: `smtp://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`,
      from: 'no-reply@example.com',
    });

    await transport.send({ ...message, subject: 'Eve\r\nBcc: everyone@example.com\u202Einvited you' });
    await transport.close();

    const headers = (received[0]?.raw ?? '').split('\r\n\r\n')[0] ?? '';
    expect(headers).toContain('Subject: Eve Bcc: everyone@example.com invited you\r\n');
    expect(headers).not.toMatch(/^Bcc:/im);
    expect(headers).not.toContain('\u202E');
  });

  it('reports wrong credentials as LIFT_MAIL_UNAVAILABLE without the password', async () => {
    const { port, received } = await startServer();
    const wrong = 'not-the-Pa55word';
    const transport = new SmtpMailTransport({
      url: `smtp://${USER}:${wrong}@127.0.0.1:${port}`,
      from: 'no-reply@example.com',
    });

    const error = await transport.send(message).catch((caught: unknown) => caught);
    await transport.close();

    expect(error).toMatchObject({ code: 'LIFT_MAIL_UNAVAILABLE', status: 503 });
    expect(String((error as Error).message)).not.toContain(wrong);
    expect(String(((error as Error).cause as Error).message)).not.toContain(wrong);
    expect(received).toEqual([]);
  });

  it('reports a server that is down as LIFT_MAIL_UNAVAILABLE (503) without the password', async () => {
    const { port } = await startServer();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    const transport = new SmtpMailTransport({
      url: `smtp://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`,
      from: 'no-reply@example.com',
      timeoutMs: 2000,
    });

    const error = await transport.send(message).catch((caught: unknown) => caught);
    await transport.close();

    expect(error).toMatchObject({ code: 'LIFT_MAIL_UNAVAILABLE', status: 503 });
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    expect((error as Error).message).not.toContain(PASSWORD);
    expect(JSON.stringify(error)).not.toContain(PASSWORD);
    expect(String(((error as Error).cause as Error).message)).not.toContain(PASSWORD);
  });

  it('rejects a URL that is not smtp: or smtps: without echoing it', () => {
    expect(() => new SmtpMailTransport({ url: `http://u:${PASSWORD}@host`, from: 'x@example.com' })).toThrow(
      expect.objectContaining({
        code: 'LIFT_CONFIG_INVALID',
        message: expect.not.stringContaining(PASSWORD),
      }),
    );
  });
});
