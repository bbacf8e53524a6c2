import { RegistryError } from '../errors.js';
import { TIDY_HEADER_LINE, tidyLine, tidyRows } from '../exchange/tidy.js';
import { getInstrument } from '../instruments/index.js';
import { inOneTransaction } from '../store/index.js';
import type { Actor, RegistryDeps } from './context.js';
import { requirePermission } from './context.js';
import { addDays, DEMO_SITES, type DemoResponse, demoSubject, pick } from './demo-cohort.js';
import { importTidy } from './import-tidy.js';
import { seededRandom } from './random.js';
import { createSite } from './sites.js';
import { formatStudyId } from './subjects.js';

export interface DemoOptions {
  subjects: number;
  seed: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * The seeded synthetic cohort as tidy CSV texts of at most `chunk` subjects each (study ids run on
 * across chunks); the same seed and day give the same files.
 */
export function* demoCohortChunks(
  subjects: number,
  seed: number,
  today: string,
  chunk = subjects,
): Generator<string> {
  const random = seededRandom(seed);
  const seq = new Map<string, number>();
  let parts: string[] = [TIDY_HEADER_LINE];
  for (let i = 0; i < subjects; i++) {
    const site = pick(random, DEMO_SITES);
    const n = (seq.get(site.id) ?? 0) + 1;
    seq.set(site.id, n);
    // Enrolment spread over the 30 months before today, so follow-up is complete for most, ongoing for some.
    const consent = addDays(today, -(30 + Math.floor(random() * 880)));
    const responses: DemoResponse[] = demoSubject(random, formatStudyId(site.id, n), site, consent, today);
    for (const r of responses) {
      const def = getInstrument(r.instrument);
      // The generator must speak the instruments' language: an unknown item would vanish silently.
      for (const item of Object.keys(r.answers)) {
        if (!def.items.some((i) => i.id === item))
          throw new Error(`demo cohort: ${r.instrument} has no item ${item}`);
      }
      for (const row of tidyRows({ ...r, def })) parts.push(tidyLine(row));
    }
    if ((i + 1) % chunk === 0 || i === subjects - 1) {
      yield parts.join('');
      parts = [TIDY_HEADER_LINE];
    }
  }
}

/** The whole seeded synthetic cohort as one tidy CSV text. */
export function demoCohortCsv(subjects: number, seed: number, today: string): string {
  return [...demoCohortChunks(subjects, seed, today)].join('');
}

/** The largest demo cohort: beyond it the generated file no longer fits comfortably in memory. */
export const DEMO_MAX_SUBJECTS = 100_000;

/**
 * Loads the synthetic cohort into an empty registry (refuses when any subject exists), as one
 * transaction: the check, the sites and every form commit together or not at all, and concurrent
 * demos take turns (the second finds the registry not empty).
 */
export async function loadDemo(deps: RegistryDeps, actor: Actor, options: DemoOptions) {
  requirePermission(actor, 'data.import');
  if (!Number.isInteger(options.subjects) || options.subjects < 1 || options.subjects > DEMO_MAX_SUBJECTS) {
    throw new RegistryError(
      'VALIDATION_FAILED',
      `subjects must be a whole number from 1 to ${DEMO_MAX_SUBJECTS.toLocaleString('en-US')} (got ${options.subjects})`,
    );
  }
  return inOneTransaction(
    deps.db,
    async (db) => {
      const inside = { ...deps, db };
      const existing = await db.selectFrom('subject').select('study_id').limit(1).execute();
      if (existing.length > 0) {
        throw new RegistryError(
          'REGISTRY_NOT_EMPTY',
          'the registry already has subjects; demo data goes only into an empty registry',
        );
      }
      const sites = new Set((await db.selectFrom('site').select('id').execute()).map((s) => s.id));
      for (const site of DEMO_SITES) {
        if (!sites.has(site.id)) await createSite(inside, actor, { id: site.id, name: site.name });
      }
      const csv = demoCohortCsv(options.subjects, options.seed, deps.clock().toISOString().slice(0, 10));
      return importTidy(inside, actor, csv, options.onProgress ? { onProgress: options.onProgress } : {});
    },
    'sifreg.demo',
  );
}
