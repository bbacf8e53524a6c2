import type { InstrumentDef } from './types.js';

/** Physical therapy after the procedure (CLINICAL.md care-gap KPI: physical therapy start date). */
export const PHYSICAL_THERAPY: InstrumentDef = {
  id: 'physical_therapy',
  version: '1.0.0',
  title: 'Physical therapy',
  repeating: false,
  items: [
    { id: 'pt_referred', label: 'Referred to physical therapy', type: 'boolean' },
    { id: 'pt_start_date', label: 'Physical therapy start date', type: 'date' },
    { id: 'sessions', label: 'Sessions attended', type: 'integer', min: 0, max: 500 },
  ],
};
