/**
 * `npm test`: lint first (fast, and a lint failure says the most), then the type check and the test suite at
 * the same time. Most of the suite's time is waiting on databases and child processes, so tsc on the other core
 * costs it little. The type check's output is printed when it ends (it prints nothing when all is well); the
 * suite's streams as it runs. Exits non-zero when either fails.
 */
import { spawn } from 'node:child_process';

function run(command, args, { buffer }) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: buffer ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const lint = await run(npm, ['run', 'lint'], { buffer: false });
if (lint.code !== 0) process.exit(lint.code);

const typecheck = run(npm, ['run', '--silent', 'typecheck'], { buffer: true });
const tests = run(npm, ['exec', '--', 'vitest', 'run', ...process.argv.slice(2)], { buffer: false });
const [checked, tested] = await Promise.all([typecheck, tests]);
if (checked.output.trim() !== '') process.stdout.write(`\n${checked.output}`);
console.log(`\ntype check: ${checked.code === 0 ? 'passed' : `failed (exit ${checked.code})`}`);
process.exit(checked.code !== 0 ? checked.code : tested.code);
