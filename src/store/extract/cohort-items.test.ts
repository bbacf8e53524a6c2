import { describe, expect, test } from 'vitest';
import { SACROPLASTY_SIF, SACROPLASTY_STUDY } from '../../protocol/index.js';
import { CARE_ITEMS, careItemsWanted, END_OF_STUDY_ITEMS } from './cohort-items.js';
import { formReadsOf } from './cohort-queries.js';
import { kpiItemsOf, table1ItemsOf } from './item-facts.js';

describe('the items the staff views read per instrument', () => {
  const wanted = careItemsWanted(SACROPLASTY_STUDY);

  test('hold the care items, each KPI item with its date item, and the end-of-study items', () => {
    for (const [instrument, items] of Object.entries(CARE_ITEMS))
      for (const item of items) expect(wanted.get(instrument)).toContain(item);
    for (const k of SACROPLASTY_STUDY.kpis) {
      expect(wanted.get(k.instrument)).toContain(k.item);
      if (k.dateItem !== undefined) expect(wanted.get(k.instrument)).toContain(k.dateItem);
    }
    expect([...wanted.get('end_of_study')!]).toEqual([...END_OF_STUDY_ITEMS]);
  });

  test('are all read by the extraction too, so the staff views and the study report decide alike', () => {
    const reads = formReadsOf(
      SACROPLASTY_SIF,
      kpiItemsOf(SACROPLASTY_STUDY),
      table1ItemsOf(SACROPLASTY_STUDY),
    ).byInstrument;
    for (const [instrument, items] of wanted)
      for (const item of items) expect(reads.get(instrument)?.items, `${instrument}.${item}`).toContain(item);
  });
});
