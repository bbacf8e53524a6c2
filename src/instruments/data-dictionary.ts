import { INSTRUMENT_LIST } from './catalog.js';
import type { InstrumentDef, ItemType } from './types.js';

/** One variable of the data dictionary: one item of one instrument. */
export interface DictionaryRow {
  instrument: string;
  item: string;
  label: string;
  type: ItemType;
  unit: string | null;
  /** `code=label|code=label`, in display order; null for items without choices. */
  choices: string | null;
  min: number | null;
  max: number | null;
  required: boolean;
  /** `system|code` (FHIR token form), e.g. `http://loinc.org|72514-3`; null when the item has none. */
  code: string | null;
}

/** The data dictionary, built from the instrument definitions (one row per item, definition order). */
export function dataDictionary(defs: readonly InstrumentDef[] = INSTRUMENT_LIST): DictionaryRow[] {
  return defs.flatMap((def) =>
    def.items.map((item) => ({
      instrument: def.id,
      item: item.id,
      label: item.label,
      type: item.type,
      unit: item.unit ?? null,
      choices: item.choices ? item.choices.map((c) => `${c.code}=${c.label}`).join('|') : null,
      min: item.min ?? null,
      max: item.max ?? null,
      required: item.required ?? false,
      code: item.code ? `${item.code.system}|${item.code.code}` : null,
    })),
  );
}
