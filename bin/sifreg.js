#!/usr/bin/env node
// Entry point of the `sifreg` command: loads the TypeScript CLI through tsx, with the project's
// tsconfig wherever the command is run from (JSX settings live there).
import { fileURLToPath } from 'node:url';

process.env.TSX_TSCONFIG_PATH ??= fileURLToPath(new URL('../tsconfig.json', import.meta.url));
const { register } = await import('tsx/esm/api');
register();
const { run } = await import('../src/cli/main.ts');
await run(process.argv.slice(2));
