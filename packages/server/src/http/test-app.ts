import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { LiftError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';

/**
 * Test support for the http/ middleware tests: a Hono app whose `onError` renders a LiftError as
 * `{ code, status }`, standing in for core's problem+json renderer, a logger whose lines tests can read, and a
 * real node server around an app.
 */
export function createTestApp(): Hono {
  const app = new Hono();
  app.onError((error, c) => {
    const lift = error instanceof LiftError ? error : new LiftError('LIFT_INTERNAL', 500, 'Internal');
    const status = lift.status as ContentfulStatusCode;
    return c.json({ code: lift.code, status }, status, {
      ...lift.headers,
      'content-type': 'application/problem+json',
    });
  });
  return app;
}

export interface RunningServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function listen(app: Hono): Promise<RunningServer> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      resolve({
        port: info.port,
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            if ('closeAllConnections' in server) server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

export interface CapturedLogger {
  logger: Logger;
  /** Every line written so far, exactly as an operator would read it. */
  raw(): string;
  lines(): Record<string, unknown>[];
}

export function captureLogger(): CapturedLogger {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const raw = () => chunks.join('');
  return {
    logger: createLogger({ level: 'info', destination }),
    raw,
    lines: () =>
      raw()
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
