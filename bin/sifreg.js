#!/usr/bin/env node
// Entry point of the `sifreg` command: runs the compiled CLI in dist/, which `npm install` builds
// (the `prepare` script; `npm run build` rebuilds it after a change to src/).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('sifreg: not built yet (dist/ is missing): run "npm install" or "npm run build"\n');
  process.exit(1);
}
const { run } = await import(main.href);
await run(process.argv.slice(2));
