// Enrolling a participant: the identifiers (kept apart from study data) and the enrolment form's own
// items, generated from the instrument definition (study id and site are set by the registry).
import { type InstrumentDef, type ItemDef, MISSING_CODES } from '../../instruments/index.js';
import { describedBy, ErrorSummary, LabelledField } from '../error-summary.js';
import { MissingControl } from '../forms/form-fields.js';
import { missingField } from '../forms/form-values.js';
import { type FieldIssue, issuesByField, summaryEntries } from './field-issues.js';

/** The identifier fields of enrolSubject's `identity`, in the order the form asks them. */
export const IDENTITY_FIELDS: readonly { name: string; label: string; type: string; autocomplete: string }[] =
  [
    { name: 'given_name', label: 'Given name', type: 'text', autocomplete: 'off' },
    { name: 'family_name', label: 'Family name', type: 'text', autocomplete: 'off' },
    { name: 'mrn', label: 'Medical record number (MRN)', type: 'text', autocomplete: 'off' },
    { name: 'birth_date', label: 'Date of birth', type: 'date', autocomplete: 'off' },
    { name: 'phone', label: 'Phone', type: 'tel', autocomplete: 'off' },
    { name: 'email', label: 'E-mail', type: 'email', autocomplete: 'off' },
  ];

/** Element id of an identifier field and of an enrolment item. */
export const identityFieldId = (name: string) => `identity-${name}`;
export const itemFieldId = (id: string) => `item-${id}`;

/** The enrolment form's items the user fills in (the ones naming the new subject are the registry's). */
export function enrolItems(def: InstrumentDef): readonly ItemDef[] {
  const fixed = new Set(def.createsSubject ? Object.values(def.createsSubject) : []);
  return def.items.filter((i) => !fixed.has(i.id));
}

function inputType(item: ItemDef): string {
  switch (item.type) {
    case 'integer':
    case 'decimal':
      return 'number';
    case 'date':
      return 'date';
    case 'time':
      return 'time';
    default:
      return 'text';
  }
}

/** One enrolment item as a form control, from its definition (type, label, range, choices, help). */
function ItemField(props: { item: ItemDef; value: string; missing: string; errors: string[] | undefined }) {
  const { item } = props;
  // An optional item may be marked missing with a reason, as on every data-entry form.
  const missing = item.required ? null : (
    <MissingControl
      item={item}
      state={{ value: undefined, missing: props.missing || undefined, errors: [] }}
      codes={MISSING_CODES}
    />
  );
  const id = itemFieldId(item.id);
  const name = `item.${item.id}`;
  const hintText = [item.help, item.unit ? `Unit: ${item.unit}.` : ''].filter(Boolean).join(' ');
  const invalid = (props.errors?.length ?? 0) > 0;
  const label = `${item.label}${item.required ? '' : ' (optional)'}`;
  if (item.type === 'choice' || item.type === 'boolean') {
    const choices =
      item.type === 'boolean'
        ? [
            { code: 'true', label: 'Yes' },
            { code: 'false', label: 'No' },
          ]
        : (item.choices ?? []);
    return (
      <LabelledField id={id} label={label} hint={hintText} messages={props.errors}>
        <select
          id={id}
          name={name}
          aria-invalid={invalid ? 'true' : undefined}
          aria-describedby={describedBy(id, hintText !== '', props.errors)}
        >
          <option value="">—</option>
          {choices.map((c) => (
            <option value={c.code} selected={c.code === props.value}>
              {c.label}
            </option>
          ))}
        </select>
        {missing}
      </LabelledField>
    );
  }
  return (
    <LabelledField id={id} label={label} hint={hintText} messages={props.errors}>
      <input
        type={inputType(item)}
        id={id}
        name={name}
        value={props.value}
        min={item.min}
        max={item.max}
        step={item.type === 'decimal' ? 'any' : undefined}
        required={item.required ? true : undefined}
        aria-invalid={invalid ? 'true' : undefined}
        aria-describedby={describedBy(id, hintText !== '', props.errors)}
      />
      {missing}
    </LabelledField>
  );
}

export interface EnrolPageProps {
  siteId: string;
  def: InstrumentDef;
  /** Submitted values by form field name (`identity.x`, `item.y`, `m.y`), to show them again. */
  values: Readonly<Record<string, string>>;
  issues: readonly FieldIssue[];
}

/** The enrolment page: error summary, identifiers, enrolment items, submit. */
export function EnrolPage(props: EnrolPageProps) {
  const errors = issuesByField(props.issues);
  return (
    <section class="panel enrol">
      <h1>Enrol a participant at {props.siteId}</h1>
      <ErrorSummary entries={summaryEntries(props.issues)} />
      <form method="post" action="/subjects/new" novalidate>
        <fieldset>
          <legend>Identifiers</legend>
          <p class="hint">Seen only by staff of {props.siteId}; every other user sees the study id alone.</p>
          {IDENTITY_FIELDS.map((f) => {
            const id = identityFieldId(f.name);
            const messages = errors.get(id);
            const invalid = (messages?.length ?? 0) > 0;
            return (
              <LabelledField id={id} label={`${f.label} (optional)`} messages={messages}>
                <input
                  type={f.type}
                  id={id}
                  name={`identity.${f.name}`}
                  value={props.values[`identity.${f.name}`] ?? ''}
                  autocomplete={f.autocomplete}
                  aria-invalid={invalid ? 'true' : undefined}
                  aria-describedby={describedBy(id, false, messages)}
                />
              </LabelledField>
            );
          })}
        </fieldset>
        <fieldset>
          <legend>{props.def.title}</legend>
          <p class="hint">The study id is given by the registry when you enrol.</p>
          {enrolItems(props.def).map((item) => (
            <ItemField
              item={item}
              value={props.values[`item.${item.id}`] ?? ''}
              missing={props.values[missingField(item.id)] ?? ''}
              errors={errors.get(itemFieldId(item.id))}
            />
          ))}
        </fieldset>
        <button type="submit">Enrol</button>
      </form>
    </section>
  );
}
