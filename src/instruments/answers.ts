import type { Issue } from '../errors.js';
import {
  checkAnswerValue,
  checkNotFuture,
  latestToday,
  type ParsedAnswer,
  parseAnswerText,
} from './answer-value.js';
import { checkMissing, parseMissingText } from './missing-codes.js';
import {
  type Answers,
  DEFAULT_SCORING,
  type InstrumentDef,
  type ItemDef,
  type ScoreResult,
  type ScoringOptions,
  type ValidationContext,
  type ValidationResult,
} from './types.js';

export {
  checkAnswerValue,
  EARLIEST_DATE,
  formatAnswer,
  isIsoDate,
  latestToday,
  MAX_INT4,
  type ParsedAnswer,
  parseAnswerText,
  unstorableText,
} from './answer-value.js';

/** Validation without a clock: the default rules and limits, and no check of dates against today. */
export const NO_CLOCK_CONTEXT: ValidationContext = { rules: DEFAULT_SCORING };

/**
 * The context every validation of a protocol's data uses: today from the injected clock (the latest
 * date anywhere, see latestToday) and the protocol's rules with its plausibility limits.
 */
export function validationContext(rules: ScoringOptions, now: Date): ValidationContext {
  return { today: latestToday(now), rules };
}

const ITEM_MAPS = new WeakMap<InstrumentDef, ReadonlyMap<string, ItemDef>>();

function itemMap(def: InstrumentDef): ReadonlyMap<string, ItemDef> {
  let map = ITEM_MAPS.get(def);
  if (!map) {
    map = new Map(def.items.map((i) => [i.id, i]));
    ITEM_MAPS.set(def, map);
  }
  return map;
}

/**
 * Reads every answer with `read`, takes the missing-data codes (given apart, or in a text cell's
 * reserved form when `codesInText`), then checks required items and the instrument's cross-item
 * rules. A coded item is not an answer: it satisfies "required" and is absent from the answers.
 */
function collect(
  def: InstrumentDef,
  ids: readonly string[],
  values: readonly unknown[],
  isBlank: (value: unknown) => boolean,
  read: (item: ItemDef, value: unknown) => ParsedAnswer,
  context: ValidationContext,
  missingInput: Readonly<Record<string, unknown>>,
  codesInText: boolean,
): ValidationResult {
  const items = itemMap(def);
  const issues: Issue[] = [];
  const answers: Answers = {};
  const codes: Record<string, unknown> = { ...missingInput };
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k]!;
    const raw = values[k];
    // An absent item (undefined) is unanswered for every caller.
    if (raw === undefined) continue;
    const item = items.get(id);
    if (!item) {
      const known = def.items.map((i) => i.id).join(', ');
      issues.push({
        path: [id],
        code: 'unknown_item',
        message: `${def.id} has no item ${JSON.stringify(id)} (items: ${known})`,
      });
      continue;
    }
    if (isBlank(raw)) continue;
    const coded = codesInText && typeof raw === 'string' ? parseMissingText(raw) : undefined;
    if (coded) {
      if (coded.ok) codes[id] = coded.code;
      else
        issues.push({
          path: [id],
          code: 'invalid_missing_code',
          message: `${def.id} ${id} ${coded.message}`,
        });
      continue;
    }
    if (codes[id] !== undefined && codes[id] !== null && codes[id] !== '') {
      issues.push({
        path: [id],
        code: 'answered_and_missing',
        message: `${def.id} ${id} is answered and also marked missing (${String(codes[id])}); give one or the other`,
      });
      continue;
    }
    let parsed = read(item, raw);
    if (parsed.ok && item.type === 'date') {
      parsed = checkNotFuture(item, parsed.value as string, context.today);
    }
    if (parsed.ok) answers[id] = parsed.value;
    else issues.push({ path: [id], code: parsed.code, message: `${def.id} ${parsed.message}` });
  }
  const checked = checkMissing(def, codes);
  if (checked.issues.length > 0) {
    issues.push(...checked.issues.filter((i) => !issues.some((j) => j.path[0] === i.path[0])));
  }
  const missing = checked.missing;
  for (const item of def.items) {
    if (
      item.required &&
      answers[item.id] === undefined &&
      missing[item.id] === undefined &&
      !issues.some((i) => i.path[0] === item.id)
    ) {
      issues.push({ path: [item.id], code: 'required', message: `${def.id} ${item.id} is required` });
    }
  }
  // Cross-item rules see only answers that parsed, so every problem is reported in one pass; an item
  // already refused is not reported again (a bad strength is not also "required"), and an item a rule
  // requires is satisfied by a missing-data code (an opioid's strength "unknown": MME not computed).
  const ruled = def.validate?.(answers, context);
  if (ruled && ruled.length > 0) {
    const refused = new Set(issues.map((i) => i.path[0]));
    issues.push(
      ...ruled.filter(
        (i) =>
          !refused.has(i.path[0]) && !(i.code === 'required' && missing[String(i.path[0])] !== undefined),
      ),
    );
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, answers, missing };
}

/**
 * Parses the text answers of one response (CSV import): unknown item ids and missing required
 * items are issues; blank cells count as unanswered; a cell `[missing:<code>]` marks the item
 * missing with that code (missing-codes.ts); then the instrument's own checks run.
 */
export function parseAnswers(
  def: InstrumentDef,
  raw: Record<string, string>,
  context: ValidationContext = NO_CLOCK_CONTEXT,
): ValidationResult {
  return parseItemTexts(def, Object.keys(raw), Object.values(raw), context);
}

const isBlankText = (v: unknown) => typeof v === 'string' && v.trim() === '';
const readText = (item: ItemDef, v: unknown) => parseAnswerText(item, String(v));

/**
 * {@link parseAnswers} of answers given as item ids and their texts side by side (an absent item's
 * text is undefined), as an import gathers them: no object per form to build and walk.
 */
export function parseItemTexts(
  def: InstrumentDef,
  ids: readonly string[],
  texts: readonly (string | undefined)[],
  context: ValidationContext = NO_CLOCK_CONTEXT,
): ValidationResult {
  return collect(def, ids, texts, isBlankText, readText, context, {}, true);
}

/** A typed answer that counts as unanswered: absent, null, blank text or an empty list. */
export function isBlankValue(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    (typeof v === 'string' && v.trim() === '') ||
    (Array.isArray(v) && v.length === 0)
  );
}

/**
 * Validates typed answers (JSON from a form or the API); null, '' and [] count as unanswered.
 * `missing` marks items missing with a code (item id → code, missing-codes.ts), apart from the answers.
 */
export function validateAnswers(
  def: InstrumentDef,
  input: Record<string, unknown>,
  context: ValidationContext = NO_CLOCK_CONTEXT,
  missing: Readonly<Record<string, unknown>> = {},
): ValidationResult {
  return collect(
    def,
    Object.keys(input),
    Object.values(input),
    isBlankValue,
    checkAnswerValue,
    context,
    missing,
    false,
  );
}

/** Scores valid answers with the instrument's own rule; instruments without one give no scores. */
export function scoreAnswers(
  def: InstrumentDef,
  answers: Answers,
  options: ScoringOptions = DEFAULT_SCORING,
): ScoreResult {
  return def.score ? def.score(answers, options) : { scores: {}, main: {} };
}
