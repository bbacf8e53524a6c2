// The study definition's KPI and Table 1 items: the answers they are read from, and each subject's facts.
import type { CohortSubject, ItemFacts } from '../../analysis/study/cohort.js';
import type { StudyDefinition } from '../../protocol/index.js';
import { type Row, str } from './answer-text.js';

/** KPI items per instrument: each item once, with the date items read beside it. */
export type KpiItems = Map<string, Map<string, Set<string>>>;

/** Table 1 items read as answered, per instrument. */
export type Table1Items = Map<string, Set<string>>;

/** The Table 1 items of the study definition that are read as answered, per instrument. */
export function table1ItemsOf(definition: StudyDefinition): Table1Items {
  const table1Items: Table1Items = new Map();
  for (const v of definition.table1) {
    if (!('answer' in v.source)) continue;
    const [instrument = '', item = ''] = v.source.answer.split('.');
    table1Items.set(instrument, (table1Items.get(instrument) ?? new Set()).add(item));
  }
  return table1Items;
}

/** The KPIs' items of the study definition, per instrument, each with its date items. */
export function kpiItemsOf(definition: StudyDefinition): KpiItems {
  const kpiItems: KpiItems = new Map();
  for (const k of definition.kpis) {
    const items = kpiItems.get(k.instrument) ?? new Map<string, Set<string>>();
    const dates = items.get(k.item) ?? new Set<string>();
    if (k.dateItem !== undefined) dates.add(k.dateItem);
    items.set(k.item, dates);
    kpiItems.set(k.instrument, items);
  }
  return kpiItems;
}

/**
 * Records KPI facts per subject and `instrument.item`, over its forms in the order they were saved.
 * @param answers - the answers of each instrument of `kpiItems`, in its order.
 */
export function addKpiFacts(
  subjects: Map<string, CohortSubject>,
  kpiItems: KpiItems,
  answers: Row[][],
): void {
  answers.forEach((rows, i) => {
    const [instrument, items] = [...kpiItems][i]!;
    // Keys and date items once per instrument, not once per form.
    const itemList = [...items].map(([item, dateItems]) => ({
      item,
      key: `${instrument}.${item}`,
      dateItems: [...dateItems],
    }));
    for (const r of rows) {
      const s = subjects.get(String(r.study_id));
      if (!s) continue;
      s.kpiFacts ??= {};
      const facts = s.kpiFacts as Record<string, ItemFacts>;
      for (const { item, key, dateItems } of itemList) {
        facts[key] ??= { yes: false, recorded: false, lastYes: false, dates: {} };
        const f = facts[key];
        const value = str(r[item]);
        if (value !== null) {
          f.recorded = true;
          if (value === 'true') f.yes = true;
          if (value === 'true' || value === 'false') f.lastYes = value === 'true';
        }
        // The earliest date, on forms that do not answer the item no (a DXA "not done").
        const dates = f.dates as Record<string, string | null>;
        for (const d of dateItems) {
          const date = str(r[d]);
          if (date !== null && value !== 'false' && (dates[d] == null || date < dates[d]!)) dates[d] = date;
        }
      }
    }
  });
}

/**
 * Records Table 1 items per subject: the first answer on its forms, in the order they were saved.
 * @param answers - the answers of each instrument of `table1Items`, in its order.
 */
export function addTable1Answers(
  subjects: Map<string, CohortSubject>,
  table1Items: Table1Items,
  answers: Row[][],
): void {
  answers.forEach((rows, i) => {
    const [instrument, items] = [...table1Items][i]!;
    const itemList = [...items].map((item) => ({ item, key: `${instrument}.${item}` }));
    for (const r of rows) {
      const s = subjects.get(String(r.study_id));
      if (!s) continue;
      s.answers ??= {};
      const answers = s.answers as Record<string, string | null>;
      for (const { item, key } of itemList) {
        if (answers[key] == null) answers[key] = str(r[item]);
      }
    }
  });
}
