import type { Issue } from '../../errors.js';
import {
  type AnswerValue,
  formatAnswer,
  type InstrumentDef,
  type ItemDef,
  type MissingMap,
  missingCodeDef,
  parseMissingText,
} from '../../instruments/index.js';

/*
 * A form's fields as the browser sends them and as the page shows them again. Answers are text as
 * typed (`a.<item>`; a multichoice sends one `a.<item>` per ticked box); a missing-data code is
 * `m.<item>` (docs/web.md "Missing-data codes"). Nothing here validates: the use cases do.
 */

/** The field values of one form as the page shows them: text per item, codes per item for multichoice. */
export interface FormValues {
  answers: Record<string, string | string[]>;
  missing: Record<string, string>;
  reason: string;
}

export const EMPTY_VALUES: FormValues = { answers: {}, missing: {}, reason: '' };

/** The name of an item's answer field and of its missing-data code field. */
export const answerField = (item: string) => `a.${item}`;
export const missingField = (item: string) => `m.${item}`;

/** The id of an item's first control (the error summary links to it). */
export const controlId = (item: string) => `f-${item}`;

function list(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The submitted fields of a form, item by item, as typed (nothing trimmed or dropped). */
export function valuesFromForm(def: InstrumentDef, form: Record<string, string | string[]>): FormValues {
  const answers: Record<string, string | string[]> = {};
  const missing: Record<string, string> = {};
  for (const item of def.items) {
    const raw = form[answerField(item.id)];
    if (item.type === 'multichoice') {
      const codes = list(raw).filter((c) => c !== '');
      if (codes.length > 0) answers[item.id] = codes;
    } else {
      const text = list(raw)[0] ?? '';
      if (text !== '') answers[item.id] = text;
    }
    const code = list(form[missingField(item.id)])[0] ?? '';
    if (code !== '') missing[item.id] = code;
  }
  const reason = list(form.reason)[0] ?? '';
  return { answers, missing, reason };
}

/** Stored answers and codes as the form shows them (the canonical text form of each answer). */
export function valuesFromStored(
  def: InstrumentDef,
  answers: Readonly<Record<string, unknown>>,
  missing: MissingMap,
): FormValues {
  const out: FormValues = { answers: {}, missing: {}, reason: '' };
  for (const item of def.items) {
    const value = answers[item.id];
    if (value !== undefined && value !== null) {
      out.answers[item.id] =
        item.type === 'multichoice' && Array.isArray(value)
          ? value.map(String)
          : formatAnswer(item, value as AnswerValue);
    }
    const code = missing[item.id];
    if (code !== undefined) out.missing[item.id] = code;
  }
  return out;
}

/** An answer's text for reading (history, conflicts, read-only forms): choice labels, not codes. */
export function shownValue(item: ItemDef | undefined, value: unknown): string {
  if (value === undefined || value === null || value === '') return '(blank)';
  if (Array.isArray(value)) return value.map((v) => shownValue(item, v)).join(', ') || '(blank)';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  const text = String(value);
  // An item marked missing (history shows codes in their text form): the code's label.
  const coded = parseMissingText(text);
  if (coded?.ok) return `Missing: ${missingCodeDef(coded.code)?.label ?? coded.code}`;
  if (item?.type === 'boolean') {
    if (/^(true|yes|1)$/i.test(text)) return 'Yes';
    if (/^(false|no|0)$/i.test(text)) return 'No';
  }
  const choice = item?.choices?.find((c) => c.code === text);
  if (choice) return choice.label;
  return item?.unit ? `${text} ${item.unit}` : text;
}

/** Issues keyed by the field they belong to (an item id, `reason`, or a visit field). */
export function issuesByField(issues: readonly Issue[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const issue of issues) {
    // A version conflict names `answers.<item>`; every other issue names the item first.
    const key = String(issue.path[0] === 'answers' ? (issue.path[1] ?? '') : (issue.path[0] ?? ''));
    out.set(key, [...(out.get(key) ?? []), issueText(key, issue.message)]);
  }
  return out;
}

/** An issue's sentence without a leading "<field>: " (the page puts the field's label there). */
export function issueText(key: string, message: string): string {
  return message.startsWith(`${key}: `) ? message.slice(key.length + 2) : message;
}

/**
 * An item's issue as a sentence that starts with the item's label: the registry's message names the
 * item by instrument and id ("pain score 12 is above …"), the page by its label ("Pain now … 12 is
 * above …"); a message of another form follows the label after a colon.
 */
export function issueSentence(
  instrument: string,
  item: { id: string; label: string },
  message: string,
): string {
  for (const prefix of [`${instrument} ${item.id} `, `${item.id} `]) {
    if (message.startsWith(prefix)) return `${item.label} ${message.slice(prefix.length)}`;
  }
  return `${item.label}: ${issueText(item.id, message)}`;
}
