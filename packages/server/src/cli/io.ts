/**
 * What a `lift` command reads and writes besides its arguments. The `lift` process passes its own environment,
 * directory and standard streams; tests pass their own, so a command runs in the test's process and its output
 * can be read back without starting another Node.
 */
export interface CliOutput {
  write(text: string): unknown;
}

export interface CliIo {
  /** The environment the configuration is read from (`LIFT_*`, `PORT`, `NODE_ENV`). */
  env: NodeJS.ProcessEnv;
  /** Where lift.config.* is looked for and relative paths (`--app`, `--config`, `lift init DIR`) start. */
  cwd: string;
  /** What the command prints, and the log lines of an app the CLI builds itself (without `--app`). */
  stdout: CliOutput;
  /** `lift: …` lines. */
  stderr: CliOutput;
}

export function processIo(): CliIo {
  return { env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr };
}

/** One line on the output, as `console.log` would write it. */
export function writeLine(output: CliOutput, text: string): void {
  output.write(`${text}\n`);
}
