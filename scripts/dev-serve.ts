// `npm run dev`: `sifreg serve` straight from the TypeScript sources, restarted by `tsx watch` on
// every change. Extra arguments go to serve (`npm run dev -- --port 8081`).
import { run } from '../src/cli/main.js';

await run(['serve', ...process.argv.slice(2)]);
