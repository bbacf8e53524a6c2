// The items the staff views' cohort reads per instrument, in one place. Migration 0020
// (cohort_form KEPT) holds a copy in SQL as it was when written: migrations are history and are
// not changed; this is the definition the code calls.
import type { StudyDefinition } from '../../protocol/index.js';
import { kpiItemsOf } from './item-facts.js';

/** The care items `addCare` (subject-records.ts) reads, beside the KPIs' own. */
export const CARE_ITEMS: Readonly<Record<string, readonly string[]>> = {
  osteoporosis_care: ['bone_med', 'bone_med_start_date', 'bone_med_persisting'],
  physical_therapy: ['pt_start_date'],
};

/** The end-of-study items `addEndOfStudy` (subject-records.ts) reads. */
export const END_OF_STUDY_ITEMS: readonly string[] = ['status', 'reason', 'date'];

/**
 * The items wanted per instrument for the staff views' cohort: the care items, each KPI's item
 * with its date items (from the study definition), and the end-of-study items.
 */
export function careItemsWanted(definition: StudyDefinition): Map<string, Set<string>> {
  const wanted = new Map<string, Set<string>>();
  for (const [instrument, items] of Object.entries(CARE_ITEMS)) wanted.set(instrument, new Set(items));
  for (const [instrument, items] of kpiItemsOf(definition)) {
    const set = wanted.get(instrument) ?? new Set<string>();
    for (const [item, dates] of items) {
      set.add(item);
      for (const d of dates) set.add(d);
    }
    wanted.set(instrument, set);
  }
  wanted.set('end_of_study', new Set(END_OF_STUDY_ITEMS));
  return wanted;
}
