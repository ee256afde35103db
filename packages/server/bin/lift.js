#!/usr/bin/env node
// The `lift` command. Lift ships TypeScript sources; tsx compiles them (and a TypeScript app or config) on load.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv.slice(2));
