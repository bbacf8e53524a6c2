// Use-case issues mapped onto a page's fields (by the field's id), for the shared error summary and
// the messages beside each field (src/web/error-summary.tsx).
import type { Issue } from '../../errors.js';
import type { SummaryEntry } from '../error-summary.js';

/** One issue as the page shows it: the field it belongs to (its element id, when on the page) and text. */
export interface FieldIssue {
  fieldId: string | null;
  label: string;
  message: string;
}

/** Issues keyed by the field id they belong to. */
export function issuesByField(issues: readonly FieldIssue[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const i of issues) {
    if (i.fieldId === null) continue;
    out.set(i.fieldId, [...(out.get(i.fieldId) ?? []), i.message]);
  }
  return out;
}

/**
 * A message of a use case without its technical prefix ("enrollment consent_date …",
 * "identity.email: …"), so the label in front of it names the field in words.
 */
export function plainMessage(issue: Issue, prefixes: readonly string[]): string {
  let text = issue.message;
  for (const p of prefixes) {
    if (text.startsWith(p)) {
      text = text.slice(p.length);
      break;
    }
  }
  return text.trim();
}

/** An issue's line in the summary: its message, led by the field's label unless it already is. */
function summaryText(i: FieldIssue): string {
  return i.message.startsWith(i.label) ? i.message : `${i.label}: ${i.message}`;
}

/**
 * A message of a use case as a sentence about a field: "is required" becomes "Date of consent is
 * required"; other messages stay as they are (the summary puts the label in front).
 */
export function fieldSentence(label: string, message: string): string {
  return /^(is|must|should|cannot|may) /.test(message) ? `${label} ${message}` : message;
}

/** The summary's lines for a page's issues, each linked to its field when the field is on the page. */
export function summaryEntries(issues: readonly FieldIssue[]): SummaryEntry[] {
  return issues.map((i) => ({ href: i.fieldId ? `#${i.fieldId}` : null, text: summaryText(i) }));
}
