/**
 * Load-generator child: `node --import tsx bench/harness/load.ts '<LoadRequest JSON>'`.
 * Runs a warm-up (discarded), then the measured run, and prints one `LoadResult` JSON line on stdout.
 * Kept in its own process so the load generator never shares an event loop with the server it measures.
 */
import { assertLoopback, runAutocannon } from './autocannon-run.ts';
import { parseLoadRequest } from './load-protocol.ts';
import { exitWhenParentExits } from './parent-watch.ts';

exitWhenParentExits();
const argument = process.argv[2];
if (argument === undefined) {
  throw new Error('usage: load.ts <LoadRequest JSON>');
}
const request = parseLoadRequest(argument);
assertLoopback(request.url);
const result = await runAutocannon(request);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
