import type { Answers, InstrumentDef, ScoreResult } from '../instruments/index.js';

/** The typed columns and json of a scored response, as stored. */
export function responseColumns(def: InstrumentDef, answers: Answers, scored: ScoreResult) {
  return {
    answers: JSON.stringify(answers),
    scores: JSON.stringify(scored.scores),
    pain_nrs: scored.main.pain_nrs ?? null,
    odi_pct: scored.main.odi_pct ?? null,
    mme_day: scored.main.mme_day ?? null,
    opioid_any: scored.main.opioid_any ?? null,
    collected_on: def.collectedOn?.(answers) ?? null,
  };
}
