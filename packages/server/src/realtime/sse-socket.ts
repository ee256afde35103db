import { EventEmitter } from 'node:events';

/**
 * A Server-Sent Events stream dressed as the part of a `ws` WebSocket the gateway uses (`send`, `ping`,
 * `close`, `terminate`, `readyState`, `bufferedAmount`, `pong`/`close` events), so an SSE client is one more
 * connection of the gateway: the same registry slot, revocation closes, expiry, heartbeats and channels.
 *
 * Every frame becomes an event named after its `type` with the frame as `data`; a publication also gets an `id`
 * holding the stream's position in every channel, which the browser sends back as `Last-Event-ID` when it
 * reconnects. A ping is a comment line (a heartbeat that keeps proxies from closing the stream).
 */
export class SseSocket extends EventEmitter {
  static readonly OPEN = 1;
  readyState = 1;
  readonly stream: ReadableStream<Uint8Array>;
  readonly #positions: Record<string, [number, string]>;
  readonly #encoder = new TextEncoder();
  readonly #highWaterMark: number;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;

  constructor(positions: Record<string, [number, string]>, highWaterMark: number) {
    super();
    this.#positions = { ...positions };
    this.#highWaterMark = highWaterMark;
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
          // Reconnect after 1 s when the stream drops, unless the server said otherwise.
          this.#write('retry: 1000\n\n');
        },
        cancel: () => this.#ended(),
      },
      { highWaterMark, size: (chunk) => chunk.byteLength },
    );
  }

  /** Bytes written and not yet taken by the client: what the gateway's slow-consumer limit reads. */
  get bufferedAmount(): number {
    const desired = this.#controller?.desiredSize ?? this.#highWaterMark;
    return Math.max(0, this.#highWaterMark - desired);
  }

  send(frame: string): void {
    const type = /^\{"type":"([a-z_]+)"/.exec(frame)?.[1] ?? 'message';
    let id = '';
    if (type === 'publication') {
      const { channel, offset, epoch } = JSON.parse(frame) as {
        channel: string;
        offset: number;
        epoch: string;
      };
      this.#positions[channel] = [offset, epoch];
      id = `id: ${encodeLastEventId(this.#positions)}\n`;
    }
    this.#write(`${id}event: ${type}\ndata: ${frame}\n\n`);
  }

  ping(): void {
    this.#write(': ping\n\n');
    // Nothing answers a comment: a stream the client still reads counts as alive; a dead one is cut by TCP.
    this.emit('pong');
  }

  close(code: number, reason: string): void {
    this.#write(`event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`);
    this.terminate();
  }

  terminate(): void {
    if (this.readyState !== 1) return;
    try {
      this.#controller?.close();
    } catch {
      // Already cancelled by the client.
    }
    this.#ended();
  }

  #write(text: string): void {
    if (this.readyState !== 1) return;
    try {
      this.#controller?.enqueue(this.#encoder.encode(text));
    } catch {
      this.#ended();
    }
  }

  #ended(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.emit('close', 1000, Buffer.alloc(0));
  }
}

/** `Last-Event-ID`: every channel's `[offset, epoch]`, as base64url JSON. */
export function encodeLastEventId(positions: Record<string, [number, string]>): string {
  return Buffer.from(JSON.stringify(positions)).toString('base64url');
}

/** The positions in a `Last-Event-ID`, or none when it is missing or not one of ours. */
export function decodeLastEventId(header: string | undefined): Record<string, [number, string]> {
  if (header === undefined || header.length > 8_192) return {};
  try {
    const value = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
    const positions: Record<string, [number, string]> = {};
    for (const [channel, position] of Object.entries(value)) {
      if (Array.isArray(position) && Number.isSafeInteger(position[0]) && typeof position[1] === 'string') {
        positions[channel] = [position[0] as number, position[1] as string];
      }
    }
    return positions;
  } catch {
    return {};
  }
}
