// Small pieces the clinical workflow pages share: a labelled text area with its issues, the form's
// heading line, and UTC times as people read them.
import type { FormIssues } from '../admin/form.js';
import { describedBy, ErrorSummary, LabelledField } from '../error-summary.js';

/** `2026-03-03T14:30:00.000Z` → `2026-03-03 14:30 UTC`. */
export function utc(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

/** A text area with its label, hint and issues (named by aria-describedby). */
export function TextArea(props: {
  prefix: string;
  name: string;
  label: string;
  issues: FormIssues | undefined;
  hint?: string;
  value?: string;
  required?: boolean;
}) {
  const id = `${props.prefix}-${props.name}`;
  const messages = props.issues?.[props.name];
  return (
    <LabelledField id={id} label={props.label} hint={props.hint} messages={messages}>
      <textarea
        id={id}
        name={props.name}
        rows={3}
        required={props.required}
        aria-invalid={messages ? 'true' : undefined}
        aria-describedby={describedBy(id, Boolean(props.hint), messages)}
      >
        {props.value ?? ''}
      </textarea>
    </LabelledField>
  );
}

/** A one-sentence problem that belongs to no field, or a notice after a successful step. */
export function Message(props: { problem: string | null; notice: string | null }) {
  if (props.problem) {
    return <ErrorSummary entries={[{ href: null, text: props.problem }]} />;
  }
  return props.notice ? (
    <p class="notice" role="status">
      {props.notice}
    </p>
  ) : null;
}
