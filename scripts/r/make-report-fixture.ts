// Loads the committed fixture cohort (test/fixtures/r/report-demo/cohort.csv; `--new-cohort` first
// rewrites it from the demo generator: 150 subjects, seed 1, as of 2026-03-02) into a scratch
// embedded registry, writes the report's analysis data sets, and runs bench/report.R on them. The
// CSVs and R's output are committed under test/fixtures/r/report-demo/ and pinned by
// src/analysis/study/report-vs-r.int.test.ts.
// Run: npx tsx scripts/r/make-report-fixture.ts   (needs R with lme4, lmerTest, survival, jsonlite)
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  aeEventsCsv,
  aeFollowUpCsv,
  cessationCsv,
  expectedCsv,
  kpiCsv,
  opioidsCsv,
  outcomesCsv,
} from '../../src/analysis/study/analysis-data.js';
import { SACROPLASTY_SIF } from '../../src/protocol/index.js';
import { demoCohortCsv, type RegistryDeps, seededRandom } from '../../src/registry/index.js';
import { extractCohort, openDatabase } from '../../src/store/index.js';

import {
  FIXTURE_COHORT,
  FIXTURE_DAY,
  FIXTURE_DIR,
  loadFixtureCohort,
  withStopDates,
} from './report-fixture-cohort.js';

const out = FIXTURE_DIR;

/** A scratch embedded registry as of the fixture day, removed after `use`. */
async function scratch<T>(use: (deps: RegistryDeps) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sifreg-fixture-'));
  const handle = await openDatabase({ dataDir: dir });
  try {
    return await use({
      db: handle.db,
      clock: () => new Date(`${FIXTURE_DAY}T09:00:00Z`),
      random: seededRandom(1),
      protocol: SACROPLASTY_SIF,
    });
  } finally {
    await handle.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--new-cohort')) {
  const demo = demoCohortCsv(150, 1, FIXTURE_DAY);
  await writeFile(FIXTURE_COHORT, demo);
  const cohort = await scratch(async (deps) => {
    await loadFixtureCohort(deps);
    return extractCohort(deps.db, SACROPLASTY_SIF, FIXTURE_DAY);
  });
  await writeFile(FIXTURE_COHORT, withStopDates(demo, cohort));
}
await scratch(async (deps) => {
  await loadFixtureCohort(deps);
  const cohort = await extractCohort(deps.db, SACROPLASTY_SIF, FIXTURE_DAY);
  const files = {
    'outcomes.csv': outcomesCsv(cohort),
    'cessation.csv': cessationCsv(cohort),
    'expected.csv': expectedCsv(cohort),
    'ae.csv': aeFollowUpCsv(cohort),
    'ae-events.csv': aeEventsCsv(cohort),
    'kpi.csv': kpiCsv(cohort),
    'opioids.csv': opioidsCsv(cohort),
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
});
