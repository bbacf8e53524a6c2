// The study protocol as data: visits, anchors, windows and the instruments collected at each visit,
// validated on load; the default protocol is the reference sacroplasty study (`sacroplasty-sif`).
export { SACROPLASTY_SIF } from './default-protocol.js';
export {
  formatStudyId,
  isSiteCode,
  MAX_SUBJECT_NUMBER,
  type ParsedStudyId,
  parseStudyId,
  SITE_CODE_PATTERN,
  STUDY_ID_PATTERN,
} from './identifiers.js';
export { loadProtocol, loadProtocolFile } from './load-protocol.js';
export { DEFAULT_EPRO, PROTOCOL_SCHEMA, SEMVER } from './schema.js';
export {
  type DayLimit,
  dayLimit,
  type ExactScale,
  type KpiDefinition,
  type KpiRule,
  type OutcomeDefinition,
  SACROPLASTY_STUDY,
  type StudyDefinition,
  type Table1Definition,
} from './study-definition.js';
export type { Duration, Protocol, Visit, VisitAnchor, VisitWindow } from './types.js';
export { getVisit, leavingInstruments, subjectInstrument, visitCodes, visitInstruments } from './visits.js';
