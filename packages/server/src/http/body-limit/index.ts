import type { Context, MiddlewareHandler } from 'hono';
import { PayloadTooLargeError } from '../../core/errors.ts';
import { DEFAULT_MAX_JSON_DEPTH } from '../../core/request-body.ts';
import { requestHeader } from '../../core/request-headers.ts';
import { requestScope } from '../../core/request-scope.ts';
import { type PipelineStage, stageMiddleware } from '../../core/stage.ts';

export interface BodyLimitOptions {
  /** Largest accepted request body in bytes (config `http.bodyLimit.maxBytes`). Default 1048576 (1 MiB). */
  maxBytes?: number;
  /**
   * Deepest nesting of objects and arrays a JSON body may have (config `http.bodyLimit.maxDepth`), checked on
   * the text before it is parsed; deeper bodies get 400 `LIFT_MALFORMED_BODY`. Default 64.
   */
  maxDepth?: number;
}

/**
 * Refuses request bodies larger than `maxBytes` with 413 `LIFT_PAYLOAD_TOO_LARGE`, and hands `maxDepth` to the
 * body parser (`ctx.json()`, `ctx.body()`, typed input).
 *
 * A declared Content-Length over the limit is refused before the handler runs. A body without one (chunked) is
 * counted as the handler reads it, never buffered here: the read fails once the limit is passed, and the response
 * is 413 whatever the handler made of that failure. A handler that never reads the body is not affected.
 */
export function bodyLimit(options: BodyLimitOptions = {}): MiddlewareHandler {
  return stageMiddleware(bodyLimitStage(options));
}

/** The body limit as a pipeline stage (see core/stage.ts). */
export function bodyLimitStage(options: BodyLimitOptions = {}): PipelineStage {
  const maxBytes = options.maxBytes ?? 1_048_576;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  return {
    before(c) {
      requestScope(c).maxJsonDepth = maxDepth;
      const method = c.req.method;
      if (method === 'GET' || method === 'HEAD') return undefined;
      const declared = requestHeader(c, 'content-length');
      const chunked = requestHeader(c, 'transfer-encoding') !== undefined;
      if (declared !== undefined && !chunked) {
        // Node's parser never delivers more bytes than a valid Content-Length declares, so the header is enough.
        if (Number(declared) > maxBytes) throw new PayloadTooLargeError(maxBytes);
        return undefined;
      }
      const source = c.req.raw.body;
      if (source === null) return undefined;
      c.req.raw = new Request(c.req.raw, { body: countedBody(c, source, maxBytes), duplex: 'half' });
      return undefined;
    },
    after(c) {
      if (requestScope(c).bodyTooLarge) throw new PayloadTooLargeError(maxBytes);
    },
  };
}

/** Passes the body through while counting; past the limit the read fails and the request is marked. */
function countedBody(
  c: Context,
  source: ReadableStream<Uint8Array>,
  maxBytes: number,
): ReadableStream<Uint8Array> {
  let received = 0;
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      received += value.byteLength;
      if (received > maxBytes) {
        requestScope(c).bodyTooLarge = true;
        // Stop reading but leave the connection alone, so the client still receives the 413.
        reader.releaseLock();
        controller.error(new PayloadTooLargeError(maxBytes));
        return;
      }
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
