import { RegistryError } from '../errors.js';
import { ADVERSE_EVENT } from './adverse-event.js';
import { ANALGESIC } from './analgesic.js';
import { ELIGIBILITY } from './eligibility.js';
import { END_OF_STUDY } from './end-of-study.js';
import { ENROLLMENT } from './enrollment.js';
import { ODI } from './odi.js';
import { OSTEOPOROSIS_CARE } from './osteoporosis-care.js';
import { PAIN } from './pain.js';
import { PHYSICAL_THERAPY } from './physical-therapy.js';
import { PROCEDURE } from './procedure.js';
import { SATISFACTION } from './satisfaction.js';
import type { InstrumentDef } from './types.js';

/** Every instrument the registry knows, in the order forms and the data dictionary list them. */
export const INSTRUMENT_LIST: readonly InstrumentDef[] = [
  ENROLLMENT,
  ELIGIBILITY,
  PAIN,
  ODI,
  ANALGESIC,
  PROCEDURE,
  ADVERSE_EVENT,
  OSTEOPOROSIS_CARE,
  PHYSICAL_THERAPY,
  SATISFACTION,
  END_OF_STUDY,
];

export const INSTRUMENTS: ReadonlyMap<string, InstrumentDef> = new Map(INSTRUMENT_LIST.map((d) => [d.id, d]));

/** The instrument with this id; throws UNKNOWN_INSTRUMENT naming the known ones. */
export function getInstrument(id: string): InstrumentDef {
  const def = INSTRUMENTS.get(id);
  if (!def) {
    const known = [...INSTRUMENTS.keys()].join(', ');
    throw new RegistryError(
      'UNKNOWN_INSTRUMENT',
      `unknown instrument ${JSON.stringify(id)} (known: ${known})`,
    );
  }
  return def;
}
