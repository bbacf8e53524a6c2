import type { Transaction } from 'kysely';
import {
  type Answers,
  hasMissing,
  type InstrumentDef,
  type MissingMap,
  type ScoreResult,
} from '../instruments/index.js';
import type { Database } from '../store/index.js';

/**
 * The typed columns and json of a scored response, as stored. Items marked missing are kept apart
 * from the answers (null when there are none), so the scores and typed columns never see them.
 */
export function responseColumns(
  def: InstrumentDef,
  answers: Answers,
  scored: ScoreResult,
  missing: MissingMap = {},
) {
  return {
    answers: JSON.stringify(answers),
    missing: hasMissing(missing) ? JSON.stringify(missing) : null,
    scores: JSON.stringify(scored.scores),
    pain_nrs: scored.main.pain_nrs ?? null,
    odi_pct: scored.main.odi_pct ?? null,
    mme_day: scored.main.mme_day ?? null,
    opioid_any: scored.main.opioid_any ?? null,
    collected_on: def.collectedOn?.(answers) ?? null,
  };
}

export interface NewResponse {
  siteId: string;
  studyId: string;
  visit: string;
  def: InstrumentDef;
  instance: number;
  answers: Answers;
  /** Items marked missing with a code; none when absent. */
  missing?: MissingMap;
  scored: ScoreResult;
  status: 'draft' | 'complete';
  protocolVersion: string;
  enteredBy: string;
  enteredByKind: 'staff' | 'patient';
  now: Date;
}

/** Inserts one new response (version 1) inside the caller's transaction. */
export async function insertResponse(trx: Transaction<Database>, r: NewResponse) {
  return trx
    .insertInto('response')
    .values({
      site_id: r.siteId,
      study_id: r.studyId,
      visit: r.visit,
      instrument: r.def.id,
      instance: r.instance,
      instrument_version: r.def.version,
      protocol_version: r.protocolVersion,
      ...responseColumns(r.def, r.answers, r.scored, r.missing),
      status: r.status,
      version: 1,
      entered_by: r.enteredBy,
      entered_by_kind: r.enteredByKind,
      created_at: r.now,
      updated_at: r.now,
    })
    .returning(['id', 'version', 'status'])
    .executeTakeFirstOrThrow();
}
