// `npm run bench`: builds a large synthetic registry, times the tidy import and the full study
// report, and — where R is installed — times R (stats + lme4 + survival) on the same exported data
// in the same run, checks both give the same numbers, and writes BENCHMARKS.md.
// Options: --subjects N (default 100000), --keep (keep the data dir), --only cli (just the CLI start
// and serve cold start of bench/cli-start.ts), --only import (just the single-file import of
// bench/import-bench.ts, --import-rows 1000000,13000000 by default, on embedded servers of its own),
// --only report (just the study report against R), --only web (page render times of the staff web
// application, bench/web-bench.ts, on the demo registry in --data-dir), --data-dir DIR (keep the registry there; one
// already imported there by an earlier run is reused, without importing again).
// DATABASE_URL is honoured.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { analyseStudy } from '../src/analysis/study/analyse.js';
import {
  aeEventsCsv,
  aeFollowUpCsv,
  cessationCsv,
  expectedCsv,
  kpiCsv,
  opioidsCsv,
  outcomesCsv,
} from '../src/analysis/study/analysis-data.js';
import { SACROPLASTY_SIF } from '../src/protocol/index.js';
import {
  demoCohortChunks,
  importTidy,
  SYSTEM_ACTOR,
  seededRandom,
  studyReport,
} from '../src/registry/index.js';
import { renderReportHtml } from '../src/reports/render-html.js';
import { extractCohort, openDatabase } from '../src/store/index.js';
import { compareWithR, type RResult } from '../test/helpers/compare-r.js';
import { benchCliStart, writeSection } from './cli-start.js';

const { values } = parseArgs({
  options: {
    subjects: { type: 'string', default: '100000' },
    keep: { type: 'boolean', default: false },
    only: { type: 'string' },
    'import-rows': { type: 'string', default: '1000000,13000000' },
    'data-dir': { type: 'string' },
  },
});
if (values.only !== undefined && !['cli', 'import', 'report', 'web'].includes(values.only))
  throw new Error('--only takes: cli, import, report, web');
const benchmarksFile = path.resolve(import.meta.dirname, '..', 'BENCHMARKS.md');

// Import of single files (1 M and 13 M rows, --import-rows) beside bare COPY (bench/import-bench.ts).
async function importPart(): Promise<void> {
  const { benchImport, importSection } = await import('./import-bench.js');
  const out = path.resolve(import.meta.dirname, 'out');
  await mkdir(out, { recursive: true });
  // Cohort days end 60 days before the real today: the import refuses dates after the real clock, and
  // the generator draws some follow-up dates a few days past its own "today".
  const cohortToday = new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10);
  const measures = await benchImport(out, cohortToday, values['import-rows'].split(',').map(Number));
  const section = importSection(measures, machine());
  await writeSection(benchmarksFile, section);
  console.log(section);
}
if (values.only === 'import') {
  await importPart();
  process.exit(0);
}
// Page render times (bench/web-bench.ts) on a registry already in --data-dir (sifreg demo --subjects 10000).
if (values.only === 'web') {
  if (!values['data-dir']) throw new Error('--only web needs --data-dir DIR holding a demo registry');
  const { benchWeb, webSection } = await import('./web-bench.js');
  const section = webSection(await benchWeb(path.resolve(values['data-dir'])), machine());
  await writeSection(benchmarksFile, section);
  console.log(section);
  process.exit(0);
}

// CLI start and serve cold start first, on a quiet machine (bench/cli-start.ts).
const cli = values.only === 'report' ? null : await benchCliStart();
if (cli && values.only === 'cli') {
  await writeSection(benchmarksFile, cli.markdown);
  console.log(cli.markdown);
  process.exit(0);
}
const subjects = Number(values.subjects);
const today = '2026-11-24';
const outDir = path.resolve(import.meta.dirname, 'out');
await mkdir(outDir, { recursive: true });

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
}

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

// --data-dir DIR keeps the registry there; a registry already imported there is reused (no import).
const dataDir = process.env.DATABASE_URL
  ? null
  : (values['data-dir'] ?? (await mkdtemp(path.join(os.tmpdir(), 'sifreg-bench-'))));
const keep = values.keep || values['data-dir'] !== undefined;
const handle = await openDatabase(
  process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : { dataDir: dataDir! },
);
const deps = {
  db: handle.db,
  clock: () => new Date(`${today}T12:00:00Z`),
  random: seededRandom(9),
  protocol: SACROPLASTY_SIF,
};
try {
  const existing = await handle.db.selectFrom('subject').select('study_id').limit(1).execute();
  const reuse = existing.length > 0 && values['data-dir'] !== undefined;
  if (existing.length > 0 && !reuse)
    throw new Error('bench needs an empty registry (unset DATABASE_URL or point it at an empty database)');
  if (reuse) {
    const { n } = await handle.db
      .selectFrom('subject')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(n) !== subjects) throw new Error(`--data-dir holds ${n} subjects, not ${subjects}`);
  }

  // 1. Import: the synthetic cohort as tidy CSV, 5,000 subjects per all-or-nothing import.
  let rows = 0;
  let importSeconds = 0;
  let done = 0;
  for (const csv of reuse ? [] : demoCohortChunks(subjects, 2026, today, 5000)) {
    const start = process.hrtime.bigint();
    const summary = await importTidy(deps, SYSTEM_ACTOR, csv);
    importSeconds += seconds(start);
    rows += summary.rows;
    done += summary.subjects;
    process.stderr.write(`\rimported ${done}/${subjects} subjects (${rows} rows)`);
  }
  process.stderr.write('\n');

  // 2. The report: the registry's use case end to end (studyReport: extraction, analyses, JSON, audit
  // event), then the same by phase: extraction (SQL), every analysis, HTML with charts.

  const loadAtReport = loadAverage();
  // The use case first, in a fresh process, as a user runs it.
  const t2b = process.hrtime.bigint();
  await studyReport(deps, SYSTEM_ACTOR, 'json', (r) => JSON.stringify(r));
  const useCaseSeconds = seconds(t2b);
  const t0 = process.hrtime.bigint();
  const cohort = await extractCohort(handle.db, SACROPLASTY_SIF, today);
  const extractSeconds = seconds(t0);
  const t1 = process.hrtime.bigint();
  const report = analyseStudy(cohort, `${today}T12:00:00.000Z`);
  const analysisSeconds = seconds(t1);
  const t2 = process.hrtime.bigint();
  const html = renderReportHtml(report);
  const renderSeconds = seconds(t2);
  await writeFile(path.join(outDir, 'report.json'), JSON.stringify(report));
  await writeFile(path.join(outDir, 'report.html'), html);

  // 3. The same analysis data for R.
  const files: [string, (c: typeof cohort) => string][] = [
    ['outcomes.csv', outcomesCsv],
    ['cessation.csv', cessationCsv],
    ['expected.csv', expectedCsv],
    ['ae.csv', aeFollowUpCsv],
    ['ae-events.csv', aeEventsCsv],
    ['kpi.csv', kpiCsv],
    ['opioids.csv', opioidsCsv],
  ];
  const rArgs: string[] = [];
  for (const [name, csv] of files) {
    rArgs.push(path.join(outDir, name));
    await writeFile(path.join(outDir, name), csv(cohort));
  }

  // 4. R on the same data, in the same run.
  const hasR = spawnSync('Rscript', ['--version']).status === 0;
  let rWall: number | null = null;
  let r: RResult | null = null;
  let loadAtR = 'R not run';
  if (hasR) {
    loadAtR = loadAverage();
    const t3 = process.hrtime.bigint();
    const out = execFileSync('Rscript', [path.join(import.meta.dirname, 'report.R'), ...rArgs], {
      maxBuffer: 1 << 30,
      encoding: 'utf8',
    });
    rWall = seconds(t3);
    r = JSON.parse(out) as RResult;
  }
  const comparison = r ? compareWithR(report, r) : null;

  const ours = extractSeconds + analysisSeconds;
  const rAnalysis = r?.timing.analysis_seconds ?? null;
  const table = [
    '| measure | value |',
    '|---|---|',
    `| subjects / tidy rows imported | ${subjects.toLocaleString('en')} / ${reuse ? 'earlier run' : rows.toLocaleString('en')} |`,
    reuse
      ? '| tidy CSV import | not in this run: the registry imported by an earlier run was reused (--data-dir) |'
      : `| tidy CSV import (all-or-nothing, 5,000 subjects per file) | ${importSeconds.toFixed(1)} s = ${Math.round(rows / importSeconds).toLocaleString('en')} rows/s |`,
    `| report: extraction from PostgreSQL (budget < 3 s) | ${extractSeconds.toFixed(2)} s (${extractSeconds < 3 ? 'met' : 'NOT met'}) |`,
    `| report: all analyses (descriptives, tests, 3 LMMs, KM, log-rank, KPIs) | ${analysisSeconds.toFixed(2)} s |`,
    `| report: HTML with SVG charts | ${renderSeconds.toFixed(2)} s |`,
    `| **sifreg report (extraction + analyses)** | **${ours.toFixed(2)} s** |`,
    `| **the registry's use case end to end** (studyReport: extraction, analyses, JSON, audit event; run first) | **${useCaseSeconds.toFixed(2)} s** |`,
    r
      ? `| R ${r.timing.r_version.replace('R version ', '')}, lme4 ${r.timing.lme4}, lmerTest ${r.timing.lmerTest}, survival ${r.timing.survival}: same analyses on the exported data (excluding reading the CSV) | ${rAnalysis!.toFixed(2)} s (whole Rscript run ${rWall!.toFixed(2)} s) |`
      : '| R | not installed on this machine: no ratio measured |',
    r
      ? `| **ratio R / sifreg** | **${(rAnalysis! / ours).toFixed(2)}× on extraction + analyses; ${(rAnalysis! / useCaseSeconds).toFixed(2)}× on the use case end to end (sifreg is ${rAnalysis! > Math.max(ours, useCaseSeconds) ? 'faster' : 'SLOWER'})** |`
      : '',
    comparison
      ? `| largest relative difference from R over ${comparison.compared} numbers | ${comparison.maxRel.toExponential(2)} (${comparison.worst}); Turnbull ${comparison.maxTurnbull.toExponential(2)}; keys missing: ${comparison.missing.length} |`
      : '',
  ].filter(Boolean);
  const text = `## Study report on ${subjects.toLocaleString('en')} subjects × ${cohort.visits.length} visits

Measured by \`${['npm run bench', ...process.argv.slice(2)].join(' ').replace(/bench (-)/, 'bench -- $1')}\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}.
Machine: ${machine()}. Database: ${handle.embedded ? 'embedded PostgreSQL (fsync on)' : 'DATABASE_URL'}.
Load average (1, 5, 15 min) when the report began: ${loadAtReport}; when R began: ${loadAtR}.

${table.join('\n')}

R runs \`bench/report.R\` on the analysis data the registry exported in the same run (one row per
subject and visit, the opioid cessation times and intervals, the expected subjects per visit, the AE
follow-up and events, the KPI tables by site, opioid use per visit): by-visit descriptives, paired t
and Wilcoxon per visit with Holm, responders with Clopper–Pearson CIs,
\`lmer(y ~ visit + site + (1 | subject))\` for pain, ODI and MME with lmerTest's Satterthwaite df,
\`survfit\` and \`survdiff\`, Turnbull (\`survfit\` on \`interval2\`), \`poisson.test\` for the AE
rates, Kaplan–Meier cumulative incidence, \`chisq.test\`/\`fisher.test\` for the KPIs by site, and
McNemar for opioid use. The baseline is R's analysis time; reading its CSV is not counted against R.
`;
  await writeSection(benchmarksFile, text);
  if (cli) await writeSection(benchmarksFile, cli.markdown);
  console.log(text);
} finally {
  await handle.close();
  if (dataDir && !keep) await rm(dataDir, { recursive: true, force: true });
}

// The import part last, on its own embedded servers.
if (!values.only) await importPart();
