/**
 * Load-generator child of `bench/session.ts`: `bench/harness/load.ts` with request headers (the session
 * cookie). `node --import tsx bench/session-load.ts '<HeaderLoadRequest JSON>'` runs a warm-up (discarded),
 * then the measured run, and prints one `LoadResult` JSON line on stdout.
 */
import { assertLoopback, runAutocannon } from './harness/autocannon-run.ts';
import { exitWhenParentExits } from './harness/parent-watch.ts';
import { parseHeaderLoadRequest } from './session-protocol.ts';

exitWhenParentExits();
const argument = process.argv[2];
if (argument === undefined) throw new Error('usage: session-load.ts <HeaderLoadRequest JSON>');
const request = parseHeaderLoadRequest(argument);
assertLoopback(request.url);
const result = await runAutocannon(request, request.headers);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
