import { RegistryError } from '../errors.js';
import type { Answers, InstrumentDef, MissingMap, ScoreResult } from '../instruments/index.js';
import {
  getInstrument,
  MAX_INT4,
  scoreAnswers,
  validateAnswers,
  validationContext,
} from '../instruments/index.js';
import { type Protocol, visitInstruments } from '../protocol/index.js';

/** Throws unless the protocol collects the instrument at the visit, with an instance the instrument allows. */
export function checkPlacement(
  protocol: Protocol,
  visit: string,
  instrumentId: string,
  instance: number,
): InstrumentDef {
  const def = getInstrument(instrumentId);
  // getVisit throws UNKNOWN_VISIT naming the protocol's visits.
  if (!visitInstruments(protocol, visit).includes(instrumentId)) {
    throw new RegistryError(
      'UNKNOWN_INSTRUMENT',
      `instrument ${instrumentId} is not collected at visit ${visit}`,
    );
  }
  if (
    !Number.isInteger(instance) ||
    instance < 1 ||
    instance > MAX_INT4 ||
    (!def.repeating && instance !== 1)
  ) {
    throw new RegistryError(
      'VALIDATION_FAILED',
      def.repeating
        ? `instance must be a whole number from 1 to ${MAX_INT4} (got ${instance})`
        : `instrument ${instrumentId} is not repeating, so instance must be 1 (got ${instance})`,
      [{ path: ['instance'], code: 'invalid_instance', message: 'instance is not allowed' }],
    );
  }
  return def;
}

export interface CheckedAnswers {
  answers: Answers;
  /** Items marked missing with a code; never among the answers, so scoring sees them as missing. */
  missing: MissingMap;
  scored: ScoreResult;
}

/** The same instrument with nothing required, for validating drafts. */
function asDraft(def: InstrumentDef): InstrumentDef {
  const { validate: _validate, score: _score, ...rest } = def;
  return { ...rest, items: def.items.map((item) => ({ ...item, required: false })) };
}

/**
 * Validates and scores answers. A draft may leave required items out and is not scored; everything
 * it does hold must still be valid. `now` (the injected clock) refuses dates after today. `missing`
 * marks items missing with a code (item id → code): a coded required item lets the form be complete.
 */
export function checkAnswers(
  protocol: Protocol,
  def: InstrumentDef,
  input: Record<string, unknown>,
  draft: boolean,
  subject?: { studyId: string; siteId: string },
  now?: Date,
  missing: Readonly<Record<string, unknown>> = {},
): CheckedAnswers {
  checkSubjectItems(def, input, subject);
  // With the clock, dates after today are refused too; the protocol's plausibility limits always apply.
  const context = now ? validationContext(protocol.rules, now) : { rules: protocol.rules };
  const result = validateAnswers(draft ? asDraft(def) : def, input, context, missing);
  if (!result.ok) {
    throw new RegistryError(
      'VALIDATION_FAILED',
      result.issues.map((i) => i.message).join('; '),
      result.issues,
    );
  }
  const scored = draft ? { scores: {}, main: {} } : scoreAnswers(def, result.answers, protocol.rules);
  return { answers: result.answers, missing: result.missing, scored };
}

/**
 * Answers of a complete form already validated with the protocol's rules and clock (`parseAnswers`
 * with `validationContext(protocol.rules, now)`, as the import reads them): the checks of
 * {@link checkAnswers} that validation does not make, then the score. Validating them again as typed
 * answers would give the same result.
 */
export function checkValidated(
  protocol: Protocol,
  def: InstrumentDef,
  validated: { answers: Answers; missing: MissingMap },
  subject: { studyId: string; siteId: string },
): CheckedAnswers {
  checkSubjectItems(def, validated.answers, subject);
  return { ...validated, scored: scoreAnswers(def, validated.answers, protocol.rules) };
}

/** Items that name the subject (the creating form's study id and site) cannot point elsewhere. */
function checkSubjectItems(
  def: InstrumentDef,
  input: Record<string, unknown>,
  subject: { studyId: string; siteId: string } | undefined,
): void {
  const items = def.createsSubject;
  if (!subject || !items) return;
  const issues = [
    [items.studyIdItem, subject.studyId],
    [items.siteItem, subject.siteId],
  ]
    .filter(([item, value]) => item! in input && input[item!] !== value)
    .map(([item, value]) => ({
      path: [item!],
      code: 'subject_mismatch',
      message: `${item} must stay ${value}`,
    }));
  if (issues.length > 0)
    throw new RegistryError('VALIDATION_FAILED', issues.map((i) => i.message).join('; '), issues);
}
