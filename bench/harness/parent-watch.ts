/**
 * Children started by the harness get a stdin pipe they never read from; when the parent dies (even by SIGKILL)
 * the pipe closes and the child exits instead of lingering on its port.
 */
export function exitWhenParentExits(): void {
  process.stdin.on('close', () => process.exit(0));
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
