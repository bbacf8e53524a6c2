import type { Issue } from '../errors.js';

/** Kinds of item answer; each kind has one canonical text form used in CSV and forms. */
export type ItemType =
  | 'integer'
  | 'decimal'
  | 'text'
  | 'date'
  | 'time'
  | 'boolean'
  | 'choice'
  | 'multichoice';

/** A typed answer: integer/decimal → number, boolean → boolean, multichoice → string[], others → string. */
export type AnswerValue = string | number | boolean | string[];

/** Answers of one response keyed by item id; an unanswered item is absent. */
export type Answers = Record<string, AnswerValue>;

/** Why an item has no answer (missing-codes.ts defines each: label, FHIR and REDCap forms). */
export type MissingCode = 'not_done' | 'declined' | 'unknown' | 'not_applicable';

/** The code of each coded item of one response, keyed by item id; an item without a code is absent. */
export type MissingMap = Partial<Record<string, MissingCode>>;

export interface Choice {
  code: string;
  label: string;
  /** Numeric value of the choice where the instrument scores it (ODI section 0–5). */
  score?: number;
}

export interface ItemDef {
  id: string;
  label: string;
  type: ItemType;
  required?: boolean;
  min?: number;
  max?: number;
  choices?: readonly Choice[];
  unit?: string;
  /** LOINC or other code for the item, where one exists. */
  code?: { system: string; code: string; display?: string };
  help?: string;
  /** Text items: a regular expression (source, anchored by its author) the whole answer must match. */
  pattern?: string;
  /** Text items: how a matching answer looks, for the message when the pattern fails (e.g. "VCU-0007"). */
  patternExample?: string;
  /** Date items: may lie in the future (a planned day); by default a date after today is refused. */
  allowFuture?: true;
  /** Date items: this answer is the subject's consent or procedure day, which other forms' dates follow. */
  marks?: SubjectDateKind;
  /** Date items: must not be before these days of the same subject (registry/date-rules.ts). */
  notBefore?: readonly SubjectDateKind[];
  /**
   * Date items: must not be after the date of the visit the form is recorded at, when that visit has
   * a recorded date (registry/date-rules.ts): the visit's own "today".
   */
  notAfterVisit?: true;
}

/** The days of a subject that fix the order of its other dates. */
export type SubjectDateKind = 'consent' | 'procedure';

/** Limits beyond which an answer is a typing error, not a dose (registry rule, set by the protocol). */
export interface PlausibilityLimits {
  /** Highest daily opioid dose in MME/day accepted. */
  maxMmeDay: number;
  /** Highest strength of one dose (mg) or one patch (mcg/hr) accepted. */
  maxStrength: { mg: number; mcg_per_hr: number };
}

/** What validation needs besides the answers: today's date (from the injected clock) and the protocol's rules. */
export interface ValidationContext {
  /** The latest calendar date anywhere now (YYYY-MM-DD); dates after it are refused. Absent: not checked. */
  today?: string;
  /** The protocol's rules: MME table and plausibility limits (DEFAULT_PLAUSIBILITY when it sets none). */
  rules: ScoringOptions;
}

/** Scores an instrument computes; `main` feeds the typed columns used by the analysis. */
export interface ScoreResult {
  scores: Record<string, number | string | boolean | null>;
  main: {
    pain_nrs?: number | null;
    odi_pct?: number | null;
    mme_day?: number | null;
    opioid_any?: boolean | null;
  };
}

export type SubjectStatus = 'screened' | 'enrolled' | 'treated' | 'withdrawn' | 'completed';

export interface SubjectUpdate {
  status?: SubjectStatus;
  indexDate?: string | null;
}

/** The items of the subject-creating instrument that name the subject it creates. */
export interface SubjectItems {
  /** Item holding the study id, e.g. `VCU-0007`. */
  studyIdItem: string;
  /** Item holding the site code, e.g. `VCU`. */
  siteItem: string;
}

/** Registry rules a protocol sets for scoring (CLINICAL.md marks them "registry rule"). */
export interface ScoringOptions {
  /** MME conversion table applied to opioid doses; stored with every computed MME. */
  mmeTable: 'cdc-2022' | 'cdc-2016';
  /** ODI is not scored when more sections than this are missing (default 2). */
  odiMaxMissingSections: number;
  /** Plausibility limits on answers; DEFAULT_PLAUSIBILITY when the protocol sets none. */
  plausibility?: PlausibilityLimits;
}

/**
 * Default plausibility limits (registry rule): 2,000 MME/day is far above any dose this population
 * takes (CDC 2022 calls ≥ 90 MME/day high) yet still lets palliative doses through; one tablet or
 * injection above 1,000 mg, or a patch above 400 mcg/hr, is a typing error.
 */
export const DEFAULT_PLAUSIBILITY: PlausibilityLimits = {
  maxMmeDay: 2000,
  maxStrength: { mg: 1000, mcg_per_hr: 400 },
};

export const DEFAULT_SCORING: ScoringOptions = { mmeTable: 'cdc-2022', odiMaxMissingSections: 2 };

/** Valid answers, and the items marked missing with a code (absent from the answers), or the issues. */
export type ValidationResult =
  | { ok: true; answers: Answers; missing: MissingMap }
  | { ok: false; issues: Issue[] };

/** An instrument as data: the definition drives parsing, validation, scoring, the form and the dictionary. */
export interface InstrumentDef {
  id: string;
  version: string;
  title: string;
  repeating: boolean;
  code?: { system: string; code: string; display?: string };
  licence?: string;
  items: readonly ItemDef[];
  /**
   * This instrument creates the subject (the protocol's first visit collects it, and only there);
   * names the items that hold the new subject's study id and site, which can never point elsewhere.
   */
  createsSubject?: SubjectItems;
  /**
   * This instrument ends the subject's participation (completed, withdrawn, …): it may be recorded at
   * whatever visit the subject leaves, and visits after its date are no longer due.
   */
  endsParticipation?: true;
  /** Cross-item checks after each item parsed to its type (e.g. stop date after start date). */
  validate?: (answers: Answers, context: ValidationContext) => Issue[];
  /**
   * What a complete response of this instrument says about the subject (status, index date), so the
   * use cases keep the subject row in step without knowing instrument names.
   */
  subjectUpdate?: (answers: Answers) => SubjectUpdate;
  /** The date (YYYY-MM-DD) this response was collected, when one of its items says so. */
  collectedOn?: (answers: Answers) => string | null;
  /** Computes scores; throws RegistryError (e.g. UNKNOWN_DRUG) when the answers cannot be scored. */
  score?: (answers: Answers, options: ScoringOptions) => ScoreResult;
}
