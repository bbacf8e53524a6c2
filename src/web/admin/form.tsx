// The admin and account forms' fields: a label, the issues beside the field (named by
// aria-describedby), and an error summary at the top linked to the fields (GOV.UK error summary).
import type { Issue } from '../../errors.js';
import { describedBy, LabelledField, type SummaryEntry } from '../error-summary.js';

/** Issues of one form by field name, each message without its technical `field: ` prefix. */
export type FormIssues = Record<string, string[]>;

/** A use case's issues by field name, keeping only the fields the form has (others under `''`). */
export function formIssues(issues: readonly Issue[], fields: readonly string[]): FormIssues {
  const out: FormIssues = {};
  for (const issue of issues) {
    const name = String(issue.path[0] ?? '');
    const key = fields.includes(name) ? name : '';
    const message = issue.message.startsWith(`${name}: `)
      ? issue.message.slice(name.length + 2)
      : issue.message;
    out[key] = [...(out[key] ?? []), message];
  }
  return out;
}

/** The error summary's lines for a form's issues, in the order of its fields, each linked to its field (`prefix-name`). */
export function summaryOf(
  issues: FormIssues | undefined,
  labels: Record<string, string>,
  prefix: string,
): SummaryEntry[] {
  // In the order of the form's fields, then what belongs to no field.
  const order = [...Object.keys(labels), ''];
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  const byField = Object.entries(issues ?? {}).sort(([a], [b]) => rank(a) - rank(b));
  return byField.flatMap(([name, messages]) =>
    messages.map((m) =>
      name && labels[name]
        ? { href: `#${prefix}-${name}`, text: `${labels[name]}: ${m}` }
        : { href: null, text: m },
    ),
  );
}

interface FieldProps {
  prefix: string;
  name: string;
  label: string;
  issues: FormIssues | undefined;
  hint?: string;
}

function Described(props: FieldProps & { children: unknown }) {
  return (
    <LabelledField
      id={`${props.prefix}-${props.name}`}
      label={props.label}
      hint={props.hint}
      messages={props.issues?.[props.name]}
    >
      {props.children}
    </LabelledField>
  );
}

const describedByOf = (props: FieldProps) =>
  describedBy(`${props.prefix}-${props.name}`, Boolean(props.hint), props.issues?.[props.name]);

/** A text or password input with its label and issues. */
export function TextField(
  props: FieldProps & {
    value?: string;
    type?: 'text' | 'password';
    autocomplete?: string;
    required?: boolean;
  },
) {
  const id = `${props.prefix}-${props.name}`;
  return (
    <Described {...props}>
      <input
        type={props.type ?? 'text'}
        id={id}
        name={props.name}
        value={props.type === 'password' ? undefined : (props.value ?? '')}
        autocomplete={props.autocomplete}
        required={props.required}
        aria-invalid={props.issues?.[props.name] ? 'true' : undefined}
        aria-describedby={describedByOf(props)}
      />
    </Described>
  );
}

/** A select with its label and issues. */
export function SelectField(
  props: FieldProps & { value?: string; options: readonly { value: string; label: string }[] },
) {
  const id = `${props.prefix}-${props.name}`;
  return (
    <Described {...props}>
      <select
        id={id}
        name={props.name}
        aria-invalid={props.issues?.[props.name] ? 'true' : undefined}
        aria-describedby={describedByOf(props)}
      >
        {props.options.map((o) => (
          <option value={o.value} selected={o.value === (props.value ?? '')}>
            {o.label}
          </option>
        ))}
      </select>
    </Described>
  );
}

/** A moment as the admin pages show it: `2026-03-02 09:15 UTC`. */
export function utcTime(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
