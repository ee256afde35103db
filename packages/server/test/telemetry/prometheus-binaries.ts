import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The real Prometheus tools the dashboard and alert tests drive: Debian's `prometheus` package (server and
 * `promtool`). They are required, never skipped: a machine without them fails these tests with the way to
 * get them, as `.ci/run` does.
 */

function required(variable: string, fallback: string): string {
  const path = process.env[variable] || fallback;
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: install Debian's prometheus package (apt-get install prometheus), as .ci/run does, ` +
        `or point ${variable} at the binary.`,
    );
  }
  return path;
}

export function promtoolPath(): string {
  return required('LIFT_TEST_PROMTOOL', '/usr/bin/promtool');
}

export function prometheusPath(): string {
  return required('LIFT_TEST_PROMETHEUS', '/usr/bin/prometheus');
}

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `promtool <args>`, feeding `input` on stdin. */
export async function promtool(args: string[], input?: string): Promise<ToolResult> {
  const child = spawn(promtoolPath(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin.end(input);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (exitCode) => resolve(exitCode));
  });
  return { code, stdout, stderr };
}
