import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type LiftProcess, repoRoot, startLift } from './support/lift-process.ts';

/**
 * Black-box: the access log writes through a buffered asynchronous destination, and no line is lost when the
 * process ends — on SIGTERM of a real `lift serve`, and on a crash.
 */
vi.setConfig({ testTimeout: 60_000 });

const running: LiftProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((lift) => lift.stop()));
});

const REQUESTS = 1_000;
const CONCURRENCY = 50;

function accessLines(stdout: string): Array<{ request_id: string; path: string; time: number }> {
  return stdout
    .split('\n')
    .filter((line) => line.includes('"msg":"request completed"'))
    .map((line) => JSON.parse(line) as { request_id: string; path: string; time: number });
}

describe('access log on shutdown', () => {
  it('writes a line for every request answered before SIGTERM', async () => {
    const lift = await startLift(['--app', 'packages/server/test/fixtures/shutdown-app.ts']);
    running.push(lift);
    const ids: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < REQUESTS) {
        next += 1;
        const response = await fetch(`${lift.url}/ping?n=${next}`);
        expect(response.status).toBe(200);
        await response.arrayBuffer();
        ids.push(response.headers.get('x-request-id') ?? '');
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    // At once: the last lines are still in the buffer.
    lift.child.kill('SIGTERM');
    expect(await lift.exited).toBe(0);
    const lines = accessLines(lift.stdout()).filter((line) => line.path === '/ping');
    expect(lines).toHaveLength(REQUESTS);
    expect(new Set(lines.map((line) => line.request_id))).toEqual(new Set(ids));
    // Epoch milliseconds, not an ISO string.
    expect(typeof lines[0]!.time).toBe('number');
  });

  it('writes every buffered line when the process crashes', async () => {
    const logger = path.join(repoRoot, 'packages/server/src/core/logger.ts');
    const script = `
      const { createLogger, lineWriter } = await import(${JSON.stringify(logger)});
      const log = createLogger({ level: 'info' });
      for (let i = 0; i < 20000; i++) log.info({ i }, 'before the crash');
      // Access lines wait up to 10 ms to be written together; the crash comes before that.
      const write = lineWriter(log);
      setImmediate(() => {
        for (let i = 0; i < 5000; i++) write('info', ',"i":' + i, 'access line before the crash');
        throw new Error('crash');
      });
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repoRoot,
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.resume();
    const code = await new Promise<number | null>((resolve) => child.on('close', (exit) => resolve(exit)));
    expect(code).not.toBe(0);
    const lines = out.split('\n');
    expect(lines.filter((line) => line.includes('"msg":"before the crash"'))).toHaveLength(20_000);
    expect(lines.filter((line) => line.includes('"msg":"access line before the crash"'))).toHaveLength(5_000);
  });
});
