import {
  addedMedicineWords,
  DOSE_FORM_WORDS,
  PATIENT_DRUGS,
  PATIENT_STRENGTHS,
  patientDrug,
  recordedMedicineWords,
  strengthWords,
} from '../../instruments/patient-drugs.js';
import type { AnalgesicAnswers, CarriedMedicine } from '../../registry/epro-analgesics.js';
import { FieldError } from '../error-summary.js';
import type { EproMessages } from './messages/en.js';
import { doseWording } from './messages.js';
import { PatientLayout, Radios } from './pages.js';

/*
 * The patient's analgesics pages (docs/epro.md "Analgesics"): the medicines of the last visit carried
 * forward, new medicines added in two steps (the name, then its strength and how many a day), "None"
 * and free text. No JavaScript: "I take it differently" shows its questions under the choice.
 */

/** Problems of the page, beside the field they are about: `carried-<n>`, `stop-<n>`, `change-<n>`, `none`, `other`. */
export type PageErrors = Record<string, string>;

/** A problem beside its field (error-summary.tsx), said in the page's language. */
function Problem(props: { m: EproMessages; errors: PageErrors; field: string }) {
  const text = props.errors[props.field];
  return <FieldError id={props.field} messages={text ? [text] : undefined} prefix={props.m.errorPrefix} />;
}

function Choice(props: { name: string; id: string; value: string; checked: boolean; label: string }) {
  return (
    <label class="choice" for={props.id}>
      <input type="radio" id={props.id} name={props.name} value={props.value} checked={props.checked} />
      {props.label}
    </label>
  );
}

function strengthOptions(m: EproMessages, strengths: readonly number[], unit: string | null) {
  return [
    ...strengths.map((s) => ({
      code: String(s),
      label: strengthWords(s, unit),
    })),
    { code: 'unsure', label: m.medsUnsure },
  ];
}

/** A medicine a patient picks (patient drug key) by its name in the page's language. */
function drugName(m: EproMessages, d: { key: string; name: string }): string {
  return m.drugNames[d.key] ?? d.name;
}

/** What the patient holds (tablet, capsule, patch) in the page's language; empty when not known. */
function formWord(m: EproMessages, form: string): string {
  return form ? (m.doseForms[form] ?? DOSE_FORM_WORDS[form as keyof typeof DOSE_FORM_WORDS] ?? form) : '';
}

const PER_DAY = Array.from({ length: 8 }, (_, i) => ({ code: String(i + 1), label: String(i + 1) }));

function Carried(props: {
  m: EproMessages;
  c: CarriedMedicine;
  answer: Record<string, unknown> | undefined;
  errors: PageErrors;
}) {
  const { m, c, errors } = props;
  const n = c.instance;
  const a = props.answer ?? {};
  const form = c.patch ? 'patch' : c.unit === 'mg' || c.route === 'oral' ? 'tablet' : '';
  // The medicine in the page's language (c.words is the registry's English, for staff).
  const words = recordedMedicineWords(c, doseWording(m));
  return (
    <fieldset class="drug" aria-describedby={errors[`carried-${n}`] ? `carried-${n}-error` : undefined}>
      <legend>{words}</legend>
      <Problem m={m} errors={errors} field={`carried-${n}`} />
      <Choice
        name={`carried.${n}`}
        id={`carried-${n}-same`}
        value="same"
        checked={a.answer === 'same'}
        label={m.medsSame}
      />
      <Choice
        name={`carried.${n}`}
        id={`carried-${n}-stopped`}
        value="stopped"
        checked={a.answer === 'stopped'}
        label={m.medsStopped}
      />
      <div class="more">
        <label for={`stop-${n}`}>{m.medsStoppedOn}</label>
        <Problem m={m} errors={errors} field={`stop-${n}`} />
        <input
          type="date"
          id={`stop-${n}`}
          name={`stop.${n}`}
          value={typeof a.stopDate === 'string' ? a.stopDate : ''}
          aria-describedby={errors[`stop-${n}`] ? `stop-${n}-error` : undefined}
        />
      </div>
      <Choice
        name={`carried.${n}`}
        id={`carried-${n}-changed`}
        value="changed"
        checked={a.answer === 'changed'}
        label={m.medsChanged}
      />
      <div class="more">
        <Problem m={m} errors={errors} field={`change-${n}`} />
        <Radios
          name={`strength.${n}`}
          id={`strength-${n}`}
          legend={m.medsStrength(formWord(m, form))}
          options={strengthOptions(m, c.strengths, c.unit)}
          picked={a.strength === undefined || a.strength === null ? [] : [String(a.strength)]}
        />
        {c.patch ? null : (
          <Radios
            name={`perday.${n}`}
            id={`perday-${n}`}
            legend={m.medsPerDay}
            scale
            options={PER_DAY}
            picked={a.perDay === undefined || a.perDay === null ? [] : [String(a.perDay)]}
          />
        )}
      </div>
    </fieldset>
  );
}

/** The analgesics page: carried medicines, new medicines, "None", free text. */
export function AnalgesicPage(props: {
  m: EproMessages;
  index: number;
  total: number;
  last: boolean;
  carried: readonly CarriedMedicine[];
  values: AnalgesicAnswers;
  errors?: PageErrors | undefined;
}) {
  const { m, values } = props;
  const errors = props.errors ?? {};
  const title = m.pageTitles.analgesic ?? 'Pain medicines';
  const raw = values.carried as Record<string, Record<string, unknown> | undefined>;
  const wording = doseWording(m);
  const added = values.added.map((a) => addedMedicineWords(a, wording));
  return (
    <PatientLayout m={m} title={title}>
      <p class="progress">{m.progress(props.index + 1, props.total)}</p>
      <h1>{title}</h1>
      <form method="post" action="/p/form/analgesic">
        {Object.keys(errors).length > 0 ? (
          <p class="error" role="alert">
            {m.medsPageProblems}
          </p>
        ) : null}
        {props.carried.length > 0 ? (
          <>
            <h2>{m.medsCarriedTitle}</h2>
            <p>{m.medsCarriedIntro}</p>
            {props.carried.map((c) => (
              <Carried m={m} c={c} answer={raw[String(c.instance)]} errors={errors} />
            ))}
          </>
        ) : null}
        <h2>{m.medsNewTitle}</h2>
        {added.length === 0 ? (
          <p class="note">{m.medsNoneAdded}</p>
        ) : (
          <ul class="added">
            {added.map((words, i) => (
              <li>
                <span>{words}</span>{' '}
                <button
                  class="link"
                  type="submit"
                  name="remove"
                  value={String(i)}
                  aria-label={`${m.medsRemove}: ${words}`}
                >
                  {m.medsRemove}
                </button>
              </li>
            ))}
          </ul>
        )}
        <p>
          <button class="button secondary" type="submit" name="action" value="add">
            {m.medsAdd}
          </button>
        </p>
        <Problem m={m} errors={errors} field="none" />
        <label class="choice" for="drug-none">
          <input
            type="checkbox"
            id="drug-none"
            name="none"
            value="yes"
            checked={values.none}
            aria-describedby={errors.none ? 'none-error' : undefined}
          />
          {m.drugsNone}
        </label>
        <label for="drug-other">{m.drugsOther}</label>
        <Problem m={m} errors={errors} field="other" />
        <textarea id="drug-other" name="other" maxlength={1000}>
          {values.other}
        </textarea>
        <p>
          <button class="button" type="submit" name="action" value="save">
            {props.last ? m.saveLast : m.saveNext}
          </button>
        </p>
      </form>
      <p>
        <a href="/p/form">{m.back}</a>
      </p>
    </PatientLayout>
  );
}

/** Step 1 of a new medicine: its name, from the common names. */
export function AddMedicinePage(props: { m: EproMessages; error?: string | undefined }) {
  const { m } = props;
  return (
    <PatientLayout m={m} title={m.medsAdd}>
      <h1>{m.medsAdd}</h1>
      <form method="post" action="/p/form/analgesic/add">
        {props.error ? (
          <p class="error" role="alert">
            {props.error}
          </p>
        ) : null}
        <Radios
          name="drug"
          id="add-drug"
          legend={m.medsWhich}
          options={PATIENT_DRUGS.map((d) => ({ code: d.key, label: drugName(m, d) }))}
          picked={[]}
        />
        <p class="note">{m.medsNotListed}</p>
        <p>
          <button class="button" type="submit">
            {m.continue}
          </button>
        </p>
      </form>
      <p>
        <a href="/p/form/analgesic">{m.medsBackToList}</a>
      </p>
    </PatientLayout>
  );
}

/** Step 2 of a new medicine: its strength (or "I'm not sure") and how many a day (not for a patch). */
export function MedicineDosePage(props: {
  m: EproMessages;
  drugKey: string;
  picked?: { strength: string; perDay: string } | undefined;
  error?: string | undefined;
}) {
  const { m } = props;
  const d = patientDrug(props.drugKey);
  const s = PATIENT_STRENGTHS[props.drugKey];
  if (!d || !s) return null;
  return (
    <PatientLayout m={m} title={drugName(m, d)}>
      <h1>{drugName(m, d)}</h1>
      <form method="post" action={`/p/form/analgesic/add/${encodeURIComponent(d.key)}`}>
        {props.error ? (
          <p class="error" role="alert">
            {props.error}
          </p>
        ) : null}
        <Radios
          name="strength"
          id="add-strength"
          legend={m.medsStrength(formWord(m, s.form))}
          options={strengthOptions(m, s.strengths, s.unit)}
          picked={props.picked?.strength ? [props.picked.strength] : []}
        />
        {s.form === 'patch' ? null : (
          <Radios
            name="perday"
            id="add-perday"
            legend={m.medsPerDay}
            scale
            options={PER_DAY}
            picked={props.picked?.perDay ? [props.picked.perDay] : []}
          />
        )}
        <p>
          <button class="button" type="submit">
            {m.medsAddThis}
          </button>
        </p>
      </form>
      <p>
        <a href="/p/form/analgesic">{m.medsBackToList}</a>
      </p>
    </PatientLayout>
  );
}
