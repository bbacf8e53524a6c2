import {
  drugClass,
  type InstrumentDef,
  KNOWN_DRUGS,
  MME_TABLES,
  ODI_SECTIONS,
  type ScoringOptions,
  scoreAnalgesic,
  scoreOdi,
} from '../../instruments/index.js';

/*
 * What the form's script needs to show a score while the user types (src/web/static/app-js.ts),
 * taken from the scoring rules' own data: the ODI sections and their choice scores, the protocol's
 * limit of missing sections, the protocol's MME factor table. Nothing is copied by hand, and the
 * server scores again on save. An instrument gets a live score when its scoring function is one
 * the script mirrors, so no instrument name is tested here.
 */

/** ODI v2.1a: sum / (5 × sections answered) × 100; not scored with more than `maxMissing` missing. */
export interface OdiLive {
  rule: 'odi';
  label: string;
  /** Field names of the sections (multichoice: the highest ticked box counts) and each code's score. */
  sections: { field: string; scores: Record<string, number> }[];
  maxMissing: number;
}

/** MME/day = daily dose × factor (CDC); a patch's daily dose is its rate, tablets strength × doses. */
export interface MmeLive {
  rule: 'mme';
  label: string;
  table: string;
  fields: { drug: string; strength: string; unit: string; perDay: string };
  /** The unit whose strength is already a daily rate (patches). */
  rateUnit: string;
  /** Factor per drug: a number, or null where the table has none or it depends on the dose band. */
  factors: Record<string, number | null>;
  classes: Record<string, string>;
}

export type LiveScore = OdiLive | MmeLive;

const field = (item: string) => `a.${item}`;

/** The live score an instrument's form shows, or null when its scoring has no live mirror. */
export function liveScoreFor(def: InstrumentDef, rules: ScoringOptions): LiveScore | null {
  if (def.score === scoreOdi) {
    const ids = new Set<string>(ODI_SECTIONS.map(([id]) => id));
    return {
      rule: 'odi',
      label: 'ODI score',
      sections: def.items
        .filter((i) => ids.has(i.id))
        .map((i) => ({
          field: field(i.id),
          scores: Object.fromEntries(
            (i.choices ?? []).flatMap((c) => (c.score === undefined ? [] : [[c.code, c.score]])),
          ),
        })),
      maxMissing: rules.odiMaxMissingSections,
    };
  }
  if (def.score === scoreAnalgesic) {
    const table = MME_TABLES[rules.mmeTable] as Readonly<Record<string, unknown>>;
    return {
      rule: 'mme',
      label: 'MME/day',
      table: rules.mmeTable,
      fields: {
        drug: field('drug'),
        strength: field('strength'),
        unit: field('unit'),
        perDay: field('doses_per_day'),
      },
      rateUnit: 'mcg_per_hr',
      factors: Object.fromEntries(
        KNOWN_DRUGS.map((d) => [d, typeof table[d] === 'number' ? (table[d] as number) : null]),
      ),
      classes: Object.fromEntries(KNOWN_DRUGS.map((d) => [d, drugClass(d) ?? 'unknown'])),
    };
  }
  return null;
}
