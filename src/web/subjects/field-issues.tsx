// Validation issues on a page's form: each beside its field (by the field's id) and all of them in an
// error summary at the top whose entries link to the fields.
import type { Issue } from '../../errors.js';

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

/** The error summary: a heading and one link per issue to its field; focused by app.js when present. */
export function ErrorSummary(props: { issues: readonly FieldIssue[] }) {
  if (props.issues.length === 0) return null;
  return (
    <div
      class="error-summary"
      role="alert"
      tabindex={-1}
      id="error-summary"
      aria-labelledby="error-summary-title"
    >
      <h2 id="error-summary-title">There is a problem</h2>
      <ul>
        {props.issues.map((i) => (
          <li>{i.fieldId ? <a href={`#${i.fieldId}`}>{summaryText(i)}</a> : summaryText(i)}</li>
        ))}
      </ul>
    </div>
  );
}

/** The messages shown beside one field (its id names them for aria-describedby). */
export function FieldErrors(props: { id: string; messages: readonly string[] | undefined }) {
  if (!props.messages || props.messages.length === 0) return null;
  return (
    <p class="field-error" id={`${props.id}-error`}>
      {props.messages.join(' ')}
    </p>
  );
}
