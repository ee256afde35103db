#!/usr/bin/env node
// The `lift` command runs the compiled CLI in dist/. Inside the Lift repository, `node --conditions=lift-source`
// resolves `#lift-cli` to ./source.js instead, which runs the TypeScript sources through tsx.
const { main } = await import('#lift-cli');
await main(process.argv.slice(2));
