// The study definition's KPI and Table 1 items: the answers they are read from, and each subject's facts.
import type { CohortSubject, ItemFacts } from '../../analysis/study/cohort.js';
import type { StudyDefinition } from '../../protocol/index.js';
import { type Answers, answerColumns } from './answer-columns.js';
import { str } from './answer-text.js';
import { subjectFinder } from './subject-map.js';

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

/** The dates of a KPI item without date items: none, ever (one object for them all). */
const NO_DATES: ItemFacts['dates'] = Object.freeze({});

/** A KPI fact not yet recorded; its dates are only written when it has date items. */
const noFact = (withDates: boolean): ItemFacts => ({
  yes: false,
  recorded: false,
  lastYes: false,
  dates: withDates ? {} : NO_DATES,
});

/**
 * Records KPI facts per subject and `instrument.item`, over its forms in the order they were saved.
 * @param answers - the answers of each instrument of `kpiItems`, in its order.
 */
export function addKpiFacts(
  subjects: Map<string, CohortSubject>,
  kpiItems: KpiItems,
  answers: readonly Answers[],
): void {
  answers.forEach((rows, i) => {
    const [instrument, items] = [...kpiItems][i]!;
    const a = answerColumns(rows);
    const find = subjectFinder(subjects);
    // Keys, columns and date items once per instrument, not once per form.
    const itemList = [...items].map(([item, dateItems]) => ({
      key: `${instrument}.${item}`,
      values: a.column(item),
      dates: [...dateItems].map((d) => ({ d, values: a.column(d) })),
    }));
    // The facts of the subject of the forms last read (a subject's forms mostly follow each other).
    const current: ItemFacts[] = [];
    let last: CohortSubject | undefined;
    for (let r = 0; r < a.size; r++) {
      const s = find(a.studyIds[r]!);
      if (!s) continue;
      if (s !== last) {
        last = s;
        s.kpiFacts ??= {};
        const facts = s.kpiFacts as Record<string, ItemFacts>;
        for (let k = 0; k < itemList.length; k++) {
          const { key, dates } = itemList[k]!;
          current[k] = facts[key] ??= noFact(dates.length > 0);
        }
      }
      for (let k = 0; k < itemList.length; k++) {
        const { values, dates: dateItems } = itemList[k]!;
        const f = current[k]!;
        const value = str(values[r]);
        if (value !== null) {
          f.recorded = true;
          if (value === 'true') f.yes = true;
          if (value === 'true' || value === 'false') f.lastYes = value === 'true';
        }
        // The earliest date, on forms that do not answer the item no (a DXA "not done").
        if (dateItems.length === 0) continue;
        const dates = f.dates as Record<string, string | null>;
        for (const { d, values: dateValues } of dateItems) {
          const date = str(dateValues[r]);
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
  answers: readonly Answers[],
): void {
  answers.forEach((rows, i) => {
    const [instrument, items] = [...table1Items][i]!;
    const a = answerColumns(rows);
    const find = subjectFinder(subjects);
    const itemList = [...items].map((item) => ({ values: a.column(item), key: `${instrument}.${item}` }));
    for (let r = 0; r < a.size; r++) {
      const s = find(a.studyIds[r]!);
      if (!s) continue;
      s.answers ??= {};
      const answers = s.answers as Record<string, string | null>;
      for (const { values, key } of itemList) {
        if (answers[key] == null) answers[key] = str(values[r]);
      }
    }
  });
}
