// Instruments as data: one file per instrument (items, codes, licence, validation, scoring), the
// generic answer parsing/formatting they drive, MME tables, and the data dictionary built from them.
export { ADVERSE_EVENT, AE_TERMS } from './adverse-event.js';
export { ANALGESIC, scoreAnalgesic } from './analgesic.js';
export {
  checkAnswerValue,
  EARLIEST_DATE,
  formatAnswer,
  isBlankValue,
  isIsoDate,
  latestToday,
  MAX_INT4,
  NO_CLOCK_CONTEXT,
  type ParsedAnswer,
  parseAnswers,
  parseAnswerText,
  parseItemTexts,
  scoreAnswers,
  unstorableText,
  validateAnswers,
  validationContext,
} from './answers.js';
export { getInstrument, INSTRUMENT_LIST, INSTRUMENTS } from './catalog.js';
export { type DictionaryRow, dataDictionary } from './data-dictionary.js';
export { ELIGIBILITY, MRI_CT_FLAG_THRESHOLD, SUSPICION_FLAGS, scoreEligibility } from './eligibility.js';
export { END_OF_STUDY } from './end-of-study.js';
export { ENROLLMENT, scoreEnrollment } from './enrollment.js';
export {
  checkMissing,
  formatMissing,
  hasMissing,
  isMissingCode,
  MISSING_CODES,
  type MissingCodeDef,
  missingCodeDef,
  parseMissingText,
  reservedText,
  storedMissing,
} from './missing-codes.js';
export {
  type DrugClass,
  drugClass,
  KNOWN_DRUGS,
  MME_TABLE_IDS,
  MME_TABLES,
  type MmeFactor,
  type MmeTableId,
  methadoneFactor2016,
  mmeFactor,
  NON_OPIOIDS,
  OPIOIDS_WITH_FACTOR,
  OPIOIDS_WITHOUT_FACTOR,
} from './mme-tables.js';
export { ODI, ODI_SECTIONS, type OdiBand, odiBand, odiSectionScore, scoreOdi } from './odi.js';
export { OSTEOPOROSIS_CARE } from './osteoporosis-care.js';
export { PAIN, scorePain } from './pain.js';
export { PHYSICAL_THERAPY } from './physical-therapy.js';
export { LEAKAGE_SITES, PROCEDURE, scoreProcedure } from './procedure.js';
export { SATISFACTION, scoreSatisfaction } from './satisfaction.js';
export type {
  Answers,
  AnswerValue,
  Choice,
  InstrumentDef,
  ItemDef,
  ItemType,
  MissingCode,
  MissingMap,
  PlausibilityLimits,
  ScoreResult,
  ScoringOptions,
  SubjectDateKind,
  SubjectItems,
  SubjectStatus,
  SubjectUpdate,
  ValidationContext,
  ValidationResult,
} from './types.js';
export { DEFAULT_PLAUSIBILITY, DEFAULT_SCORING } from './types.js';
