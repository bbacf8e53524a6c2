// Builds the demo cohort (150 subjects, seed 1, as of 2026-03-02) in a scratch embedded registry,
// writes the report's analysis data set, and runs bench/report.R on it. The CSVs and R's output are
// committed under test/fixtures/r/report-demo/ and pinned by src/reports/report-vs-r.int.test.ts.
// Run: npx tsx scripts/r/make-report-fixture.ts   (needs R with lme4, lmerTest, survival, jsonlite)
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SACROPLASTY_SIF } from '../../src/protocol/index.js';
import { loadDemo, SYSTEM_ACTOR, seededRandom } from '../../src/registry/index.js';
import {
  aeEventsCsv,
  aeFollowUpCsv,
  cessationCsv,
  expectedCsv,
  kpiCsv,
  outcomesCsv,
} from '../../src/reports/analysis-data.js';
import { extractCohort } from '../../src/reports/extract-cohort.js';
import { openDatabase } from '../../src/store/index.js';

export const FIXTURE_DAY = '2026-03-02';
const out = path.resolve(import.meta.dirname, '../../test/fixtures/r/report-demo');
const dir = await mkdtemp(path.join(os.tmpdir(), 'sifreg-fixture-'));
const handle = await openDatabase({ dataDir: dir });
try {
  const deps = {
    db: handle.db,
    clock: () => new Date(`${FIXTURE_DAY}T09:00:00Z`),
    random: seededRandom(1),
    protocol: SACROPLASTY_SIF,
  };
  await loadDemo(deps, SYSTEM_ACTOR, { subjects: 150, seed: 1 });
  const cohort = await extractCohort(handle.db, SACROPLASTY_SIF, FIXTURE_DAY);
  const files = {
    'outcomes.csv': outcomesCsv(cohort),
    'cessation.csv': cessationCsv(cohort),
    'expected.csv': expectedCsv(cohort),
    'ae.csv': aeFollowUpCsv(cohort),
    'ae-events.csv': aeEventsCsv(cohort),
    'kpi.csv': kpiCsv(cohort),
  };
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(out, name), text);
  const r = execFileSync(
    'Rscript',
    [
      path.resolve(import.meta.dirname, '../../bench/report.R'),
      ...Object.keys(files).map((name) => path.join(out, name)),
    ],
    { encoding: 'utf8' },
  );
  const parsed = JSON.parse(r);
  delete parsed.timing.read_seconds;
  delete parsed.timing.analysis_seconds;
  await writeFile(path.join(out, 'r-output.json'), `${JSON.stringify(parsed, null, 1)}\n`);
  console.log(`wrote ${out}`);
} finally {
  await handle.close();
  await rm(dir, { recursive: true, force: true });
}
