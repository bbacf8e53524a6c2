// The committed fixture cohort of the report's R pin: a tidy CSV (made once from the demo generator,
// 150 subjects, seed 1, as of 2026-03-02, with stop dates added by `withStopDates`) and its sites. The pin imports this file, so a change to
// the demo generator does not move the R numbers.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Cohort, CohortSubject } from '../../src/analysis/study/cohort.js';
import type { RegistryDeps } from '../../src/registry/index.js';
import { createSite, importTidy, SYSTEM_ACTOR } from '../../src/registry/index.js';
import { formatDay, parseDay } from '../../src/schedule/index.js';

export const FIXTURE_DAY = '2026-03-02';
export const FIXTURE_DIR = path.resolve(import.meta.dirname, '../../test/fixtures/r/report-demo');
export const FIXTURE_COHORT = path.join(FIXTURE_DIR, 'cohort.csv');

const SITES = [
  { id: 'VCU', name: 'Virginia Commonwealth University' },
  { id: 'APMSS', name: 'APMSS' },
  { id: 'OC', name: 'OrthoCarolina' },
];

/** Loads the committed fixture cohort into an empty registry. */
export async function loadFixtureCohort(deps: RegistryDeps): Promise<void> {
  const existing = new Set((await deps.db.selectFrom('site').select('id').execute()).map((s) => s.id));
  for (const site of SITES) if (!existing.has(site.id)) await createSite(deps, SYSTEM_ACTOR, site);
  await importTidy(deps, SYSTEM_ACTOR, await readFile(FIXTURE_COHORT, 'utf8'));
}

/**
 * Adds recorded stop dates to the demo cohort, so the pin covers the stop-date rules: for every
 * second baseline opioid user who comes off opioids, each opioid taken at the last review on them is
 * listed at the first review off them with a stop date halfway between the two (an exact cessation
 * time); and for every fifth subject on opioids at week 4, a tramadol listed there as stopped
 * 10 days after the procedure (it must count neither as use nor in MME).
 */
export function withStopDates(csv: string, cohort: Cohort): string {
  const instances = new Map<string, number>();
  for (const line of csv.split('\n')) {
    const [study, , visit, instrument, instance] = line.split(',');
    if (instrument !== 'analgesic') continue;
    const key = `${study},${visit}`;
    instances.set(key, Math.max(instances.get(key) ?? 0, Number(instance)));
  }
  const rows: string[] = [];
  const add = (s: CohortSubject, visit: string, answers: Record<string, string | number>) => {
    const key = `${s.studyId},${visit}`;
    const instance = (instances.get(key) ?? 0) + 1;
    instances.set(key, instance);
    for (const [item, value] of Object.entries(answers)) {
      rows.push(`${s.studyId},${s.site},${visit},analgesic,${instance},${item},${value}\n`);
    }
  };
  const reviews = cohort.visits.filter((v) => v.collectsMedication && v.day !== null && v.day > 0);
  cohort.subjects.forEach((s, i) => {
    if (!s.treated || s.indexDate === null) return;
    const day = (n: number) => formatDay(parseDay(s.indexDate!, 'date') + n);
    const baseline = s.visits.get(cohort.visits[0]!.code);
    if (baseline?.opioid === true && i % 2 === 0) {
      let previous = { day: 0, taken: baseline.opioidsTaken ?? [] };
      for (const v of reviews) {
        const r = s.visits.get(v.code);
        if (r?.opioid == null) continue;
        if (r.opioid) {
          previous = { day: v.day!, taken: r.opioidsTaken ?? [] };
          continue;
        }
        for (const drug of previous.taken) {
          const patch = drug === 'fentanyl_transdermal';
          add(s, v.code, {
            drug,
            strength: patch ? 12 : 5,
            unit: patch ? 'mcg_per_hr' : 'mg',
            ...(patch ? {} : { doses_per_day: 2 }),
            stop_date: day(Math.floor((previous.day + v.day!) / 2)),
          });
        }
        break;
      }
    }
    if (i % 5 === 0 && s.visits.get('week4')?.opioid === true) {
      add(s, 'week4', { drug: 'tramadol', strength: 50, unit: 'mg', doses_per_day: 2, stop_date: day(10) });
    }
  });
  return csv + rows.join('');
}
