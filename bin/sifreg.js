#!/usr/bin/env node
// Entry point of the `sifreg` command: loads the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../src/cli/main.ts');
await run(process.argv.slice(2));
