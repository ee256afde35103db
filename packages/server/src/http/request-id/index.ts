import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { randomId } from '../../core/crypto/random.ts';
import { requestHeader } from '../../core/request-headers.ts';
import { bindRequestLog } from '../../core/request-log.ts';
import { pendResponseHeader } from '../../core/response-headers.ts';
import { type PipelineStage, stageMiddleware } from '../../core/stage.ts';

export interface RequestIdOptions {
  /** The request logger's parent; each request's logger (`requestLog(c)`, `ctx.log`) is `logger.child({ request_id })`, made on first use. */
  logger: Logger;
  /** Header read from the client and echoed in the response (config `http.requestId.header`). Default `x-request-id`. */
  header?: string;
  /** Makes an id when the client sent none or a malformed one. Default: 128 random bits, base64url. */
  generate?: () => string;
}

/** What a client-supplied id must look like to be kept: short, and safe to put in logs and headers. */
const WELL_FORMED_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every request an id (`c.var.requestId`) and a logger bound to it (`c.var.log`), and echoes the id in the
 * response, error responses included. A well-formed incoming id is kept so calls can be traced across services.
 */
export function requestId(options: RequestIdOptions): MiddlewareHandler {
  return stageMiddleware(requestIdStage(options));
}

/** The request id as a pipeline stage (see core/stage.ts). */
export function requestIdStage(options: RequestIdOptions): PipelineStage {
  const header = (options.header ?? 'x-request-id').toLowerCase();
  const generate = options.generate ?? (() => randomId());
  const { logger } = options;
  return {
    before(c) {
      const incoming = requestHeader(c, header);
      const id = incoming !== undefined && WELL_FORMED_ID.test(incoming) ? incoming : generate();
      c.set('requestId', id);
      bindRequestLog(c, logger);
      pendResponseHeader(c, header, id);
      return undefined;
    },
  };
}
