import type { Issue } from '../errors.js';
import { checkAnswerValue, type ParsedAnswer, parseAnswerText } from './answer-value.js';
import {
  type Answers,
  DEFAULT_SCORING,
  type InstrumentDef,
  type ItemDef,
  type ScoreResult,
  type ScoringOptions,
  type ValidationResult,
} from './types.js';

export {
  checkAnswerValue,
  formatAnswer,
  isIsoDate,
  type ParsedAnswer,
  parseAnswerText,
} from './answer-value.js';

const ITEM_MAPS = new WeakMap<InstrumentDef, ReadonlyMap<string, ItemDef>>();

function itemMap(def: InstrumentDef): ReadonlyMap<string, ItemDef> {
  let map = ITEM_MAPS.get(def);
  if (!map) {
    map = new Map(def.items.map((i) => [i.id, i]));
    ITEM_MAPS.set(def, map);
  }
  return map;
}

/** Reads every answer with `read`, then checks required items and the instrument's cross-item rules. */
function collect(
  def: InstrumentDef,
  input: Record<string, unknown>,
  isBlank: (value: unknown) => boolean,
  read: (item: ItemDef, value: unknown) => ParsedAnswer,
): ValidationResult {
  const items = itemMap(def);
  const issues: Issue[] = [];
  const answers: Answers = {};
  for (const [id, raw] of Object.entries(input)) {
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
    const parsed = read(item, raw);
    if (parsed.ok) answers[id] = parsed.value;
    else issues.push({ path: [id], code: parsed.code, message: `${def.id} ${parsed.message}` });
  }
  for (const item of def.items) {
    if (item.required && answers[item.id] === undefined && !issues.some((i) => i.path[0] === item.id)) {
      issues.push({ path: [item.id], code: 'required', message: `${def.id} ${item.id} is required` });
    }
  }
  // Cross-item rules see only answers that parsed, so every problem is reported in one pass.
  issues.push(...(def.validate?.(answers) ?? []));
  return issues.length > 0 ? { ok: false, issues } : { ok: true, answers };
}

/**
 * Parses the text answers of one response (CSV import): unknown item ids and missing required
 * items are issues; blank cells count as unanswered; then the instrument's own checks run.
 */
export function parseAnswers(def: InstrumentDef, raw: Record<string, string>): ValidationResult {
  return collect(
    def,
    raw,
    (v) => typeof v === 'string' && v.trim() === '',
    (item, v) => parseAnswerText(item, String(v)),
  );
}

/** Validates typed answers (JSON from a form or the API); null, '' and [] count as unanswered. */
export function validateAnswers(def: InstrumentDef, input: Record<string, unknown>): ValidationResult {
  return collect(
    def,
    input,
    (v) =>
      v === undefined ||
      v === null ||
      (typeof v === 'string' && v.trim() === '') ||
      (Array.isArray(v) && v.length === 0),
    checkAnswerValue,
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
