// Prints the closing line "N passed, N failed, N skipped" of the CI run: the tests of every vitest
// JSON report in DIR, plus one failure for each stage named after DIR (a stage can fail before or
// without tests, e.g. the build or the README's start command). Exits non-zero if anything failed.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const [dir, ...failedStages] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
for (const name of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
  const report = JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
}
for (const stage of failedStages) console.log(`stage failed: ${stage}`);
failed += failedStages.length;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
