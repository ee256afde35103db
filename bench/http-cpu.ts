/**
 * CPU per request of `GET /hello`, without a network: each app is driven through @hono/node-server's own Node
 * request listener (the code `lift serve` runs) with real `IncomingMessage`/`ServerResponse` objects on a socket
 * that discards what is written. On a shared machine the loopback benchmark (http.ts) swings with the
 * neighbours; this one isolates what the framework costs per request and which part of it is response headers.
 *
 *   node --import tsx bench/http-cpu.ts [--requests 50000] [--rounds 3]
 *
 * Prints CPU µs per request (best round) and the ratio to bare Hono for: bare Hono, Hono sending the same
 * response headers Lift sends by default, and a Lift app with every default stage.
 */
import { parseArgs } from 'node:util';
import { cpuPerRequest } from './harness/cpu.ts';
import { formatRatio, markdownTable } from './harness/report.ts';
import { type CpuRequest, type CpuTarget, cpuTargets, type Listener, requests } from './http-cpu-targets.ts';

const HELLO: CpuRequest = { path: '/hello', headers: {}, body: JSON.stringify({ hello: 'world' }) };

function stageTable(list: CpuTarget[], best: number[]): string {
  const micros = (label: string) => best[list.findIndex((target) => target.label.startsWith(label))]!;
  const all = micros('Lift, every default');
  const floor = micros('Hono (@hono/node-server)');
  const rows = list.flatMap((target, index) =>
    target.without === undefined ? [] : [[target.without, (all - best[index]!).toFixed(2)]],
  );
  const bare = micros('Lift, every optional stage off');
  rows.push([
    'core: context, client IP, body limit, deadline, response (Lift with every optional stage off − bare Hono)',
    (bare - floor).toFixed(2),
  ]);
  rows.push(['Hono + @hono/node-server + node:http (bare Hono)', floor.toFixed(2)]);
  rows.push(['total: Lift, every default', all.toFixed(2)]);
  for (const [index, target] of list.entries()) {
    if (target.adds !== undefined) rows.push([`+ ${target.adds}`, (best[index]! - all).toFixed(2)]);
  }
  return markdownTable(['stage', 'CPU µs per request'], rows);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { requests: { type: 'string', default: '50000' }, rounds: { type: 'string', default: '5' } },
    strict: false,
  });
  const count = Number(values.requests);
  const rounds = Number(values.rounds);
  const all = cpuTargets();
  const listeners = await Promise.all(all.map((target) => target.listener()));
  const skipped = all.filter((_, index) => listeners[index] === null).map((target) => target.label);
  const list = all.filter((_, index) => listeners[index] !== null);
  const ready = listeners.filter((listener): listener is Listener => listener !== null);
  const best = list.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < rounds; round++) {
    for (const [index, target] of list.entries()) {
      const asked = requests.get(target.label) ?? HELLO;
      const { micros, response } = await cpuPerRequest(ready[index]!, asked, count);
      if (!response.startsWith('HTTP/1.1 200') || !response.endsWith(asked.body)) {
        throw new Error(`${target.label}: unexpected response:\n${response}`);
      }
      best[index] = Math.min(best[index]!, micros);
    }
  }
  const raw = best[0]!;
  const rows = list.map((target, index) => [
    target.label,
    best[index]!.toFixed(2),
    formatRatio(raw / best[index]!),
  ]);
  console.log(`# HTTP CPU per request: GET /hello (${count} requests, best of ${rounds} rounds)\n`);
  console.log(
    markdownTable(['target', 'CPU µs per request', 'requests per CPU-second, ratio to raw node:http'], rows),
  );
  if (skipped.length > 0) console.log(`\nnot installed, skipped: ${skipped.join('; ')}`);
  console.log(`\n## What each stage of Lift costs (all defaults − that stage off)\n`);
  console.log(stageTable(list, best));
}

await main();
