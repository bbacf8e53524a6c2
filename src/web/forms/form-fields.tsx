import type { ItemDef, MissingCodeDef } from '../../instruments/index.js';
import { FieldError } from '../error-summary.js';
import { answerField, controlId, missingField } from './form-values.js';

/*
 * One control per item, chosen by the item's type alone: numbers and text as text inputs (so a
 * value is kept exactly as typed when the form comes back with an issue), dates and times as date
 * and time inputs, choices and yes/no as radio fieldsets with a legend, multi-choice as checkboxes.
 * Beside it: the hint, the unit, the item's issues, and its "missing: reason" control.
 */

export interface FieldState {
  value: string | string[] | undefined;
  missing: string | undefined;
  errors: readonly string[];
  /** Fixed items (the study id and site of the form that creates the subject) are shown, not edited. */
  fixed?: boolean;
}

function describedBy(item: ItemDef, errors: readonly string[]): string | undefined {
  const ids = [
    item.help ? `${controlId(item.id)}-hint` : '',
    errors.length ? `${controlId(item.id)}-error` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return ids || undefined;
}

function Hint(props: { item: ItemDef }) {
  const { item } = props;
  const unit = item.unit ? ` ${item.unit}` : '';
  const range =
    item.min !== undefined && item.max !== undefined
      ? ` From ${item.min} to ${item.max}${unit}.`
      : item.min !== undefined
        ? ` At least ${item.min}${unit}.`
        : item.max !== undefined
          ? ` At most ${item.max}${unit}.`
          : '';
  if (!item.help && !range) return null;
  return (
    <p class="hint" id={`${controlId(item.id)}-hint`}>
      {item.help ?? ''}
      {range}
    </p>
  );
}

function Options(props: { item: ItemDef; state: FieldState }) {
  const { item, state } = props;
  const multi = item.type === 'multichoice';
  const name = answerField(item.id);
  const chosen = new Set(Array.isArray(state.value) ? state.value : state.value ? [state.value] : []);
  const options =
    item.type === 'boolean'
      ? [
          { code: 'true', label: 'Yes' },
          { code: 'false', label: 'No' },
        ]
      : (item.choices ?? []);
  const isChosen = (code: string) =>
    chosen.has(code) ||
    (item.type === 'boolean' &&
      [...chosen].some((c) => (code === 'true' ? /^(true|yes|1)$/i : /^(false|no|0)$/i).test(c)));
  const described = describedBy(item, state.errors);
  return (
    <div class={`options${options.length > 8 ? ' many' : ''}`}>
      {options.map((c, i) => {
        const id = i === 0 ? controlId(item.id) : `${controlId(item.id)}-${i}`;
        return (
          <div class="option">
            <input
              type={multi ? 'checkbox' : 'radio'}
              id={id}
              name={name}
              value={c.code}
              checked={isChosen(c.code)}
              aria-describedby={described}
            />
            <label for={id}>{c.label}</label>
          </div>
        );
      })}
      {multi ? null : (
        <div class="option">
          <input
            type="radio"
            id={`${controlId(item.id)}-none`}
            name={name}
            value=""
            checked={!options.some((c) => isChosen(c.code))}
          />
          <label for={`${controlId(item.id)}-none`}>No answer</label>
        </div>
      )}
    </div>
  );
}

function Input(props: { item: ItemDef; state: FieldState }) {
  const { item, state } = props;
  const value = Array.isArray(state.value) ? state.value.join('|') : (state.value ?? '');
  const common = {
    id: controlId(item.id),
    name: answerField(item.id),
    value,
    'aria-describedby': describedBy(item, state.errors),
    'aria-invalid': state.errors.length > 0 ? 'true' : undefined,
    'aria-required': item.required ? 'true' : undefined,
  };
  switch (item.type) {
    case 'integer':
      return <input type="text" inputmode="numeric" autocomplete="off" class="num" {...common} />;
    case 'decimal':
      return <input type="text" inputmode="decimal" autocomplete="off" class="num" {...common} />;
    case 'date':
      return <input type="date" {...common} />;
    case 'time':
      return <input type="time" {...common} />;
    default:
      return (
        <input
          type="text"
          maxlength={2000}
          autocomplete="off"
          class="text"
          readonly={state.fixed ? true : undefined}
          {...common}
        />
      );
  }
}

/** An item's "missing: reason" select (`m.<item>`), offering the missing-data codes. */
export function MissingControl(props: {
  item: ItemDef;
  state: FieldState;
  codes: readonly MissingCodeDef[];
}) {
  const { item, state, codes } = props;
  const id = `${controlId(item.id)}-missing`;
  return (
    <div class="missing-control">
      <label for={id}>
        Missing: reason <span class="visually-hidden">for {item.label}</span>
      </label>
      <select id={id} name={missingField(item.id)}>
        <option value="" selected={!state.missing}>
          — not marked missing —
        </option>
        {codes.map((c) => (
          <option value={c.code} selected={state.missing === c.code}>
            {c.label}
          </option>
        ))}
        {state.missing && !codes.some((c) => c.code === state.missing) ? (
          <option value={state.missing} selected>
            {state.missing}
          </option>
        ) : null}
      </select>
    </div>
  );
}

/** One item of a form: label or legend, hint, unit, issues, control and its missing-data control. */
export function ItemField(props: { item: ItemDef; state: FieldState; codes: readonly MissingCodeDef[] }) {
  const { item, state, codes } = props;
  const invalid = state.errors.length > 0;
  const required = item.required ? <span class="required"> (required)</span> : null;
  const missing = state.fixed ? null : <MissingControl item={item} state={state} codes={codes} />;
  const cls = `field${invalid ? ' invalid' : ''}${state.missing ? ' is-missing' : ''}`;
  if (item.type === 'choice' || item.type === 'multichoice' || item.type === 'boolean') {
    return (
      <fieldset class={cls} id={`${controlId(item.id)}-group`}>
        <legend>
          {item.label}
          {required}
        </legend>
        <Hint item={item} />
        <FieldError id={controlId(item.id)} messages={state.errors} />
        <Options item={item} state={state} />
        {missing}
      </fieldset>
    );
  }
  return (
    <div class={cls}>
      <label for={controlId(item.id)}>
        {item.label}
        {required}
      </label>
      <Hint item={item} />
      <FieldError id={controlId(item.id)} messages={state.errors} />
      <span class="input-row">
        <Input item={item} state={state} />
        {item.unit ? <span class="unit">{item.unit}</span> : null}
      </span>
      {missing}
    </div>
  );
}
