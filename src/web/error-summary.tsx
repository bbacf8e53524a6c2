// Validation issues on every form of the staff pages, rendered one way (GOV.UK error summary): an
// error summary at the top whose entries link to their fields, and the messages beside each field
// (named by the control's aria-describedby as `<id>-error`). app.js focuses the summary when present.

/** One line of the summary: its text and the field it links to (`#id`), or none when on no field. */
export interface SummaryEntry {
  href: string | null;
  text: string;
}

/** The error summary: a heading and one line per issue, a link to its field where it has one. */
export function ErrorSummary(props: { entries: readonly SummaryEntry[]; title?: string }) {
  if (props.entries.length === 0) return null;
  return (
    <div
      class="error-summary"
      role="alert"
      tabindex={-1}
      id="error-summary"
      aria-labelledby="error-summary-title"
    >
      <h2 id="error-summary-title">{props.title ?? 'There is a problem'}</h2>
      <ul>
        {props.entries.map((e) => (
          <li>{e.href ? <a href={e.href}>{e.text}</a> : e.text}</li>
        ))}
      </ul>
    </div>
  );
}

/** The messages beside one field; `id` is the control's, so the element is `<id>-error`. */
export function FieldError(props: {
  id: string;
  messages: readonly string[] | undefined;
  /** The word a screen reader says before each message, in the page's language. */
  prefix?: string;
}) {
  if (!props.messages || props.messages.length === 0) return null;
  return (
    <p class="field-error" id={`${props.id}-error`}>
      {props.messages.map((m) => (
        <span class="error-line">
          <span class="visually-hidden">{props.prefix ?? 'Error: '}</span>
          {m}
        </span>
      ))}
    </p>
  );
}

/** The ids a control names in aria-describedby: its hint and its messages, when shown. */
export function describedBy(
  id: string,
  hint: boolean,
  messages: readonly string[] | undefined,
): string | undefined {
  const ids = [hint ? `${id}-hint` : '', messages && messages.length > 0 ? `${id}-error` : ''].filter(
    Boolean,
  );
  return ids.length > 0 ? ids.join(' ') : undefined;
}

/**
 * One labelled field: label, hint (`<id>-hint`), its messages (`<id>-error`) and the control, which
 * names both with `describedBy(id, …)`.
 */
export function LabelledField(props: {
  id: string;
  label: string;
  hint?: string | undefined;
  messages: readonly string[] | undefined;
  children: unknown;
}) {
  const invalid = (props.messages?.length ?? 0) > 0;
  return (
    <div class={invalid ? 'field invalid' : 'field'}>
      <label for={props.id}>{props.label}</label>
      {props.hint ? (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      <FieldError id={props.id} messages={props.messages} />
      {props.children}
    </div>
  );
}
