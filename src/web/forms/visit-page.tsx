import type { Issue } from '../../errors.js';
import { ErrorSummary, FieldError } from '../error-summary.js';
import { formTitle } from './form-title.js';
import { issuesByField } from './form-values.js';

/** One recorded instance of an instrument at the visit. */
export interface VisitFormRow {
  instance: number;
  status: string;
  version: number;
  updatedAt: string;
}

export interface VisitFormGroup {
  instrument: string;
  title: string;
  repeating: boolean;
  rows: VisitFormRow[];
}

export interface VisitRecordValues {
  state: 'done' | 'missed' | '';
  date: string;
  mode: string;
  missedReason: string;
}

export interface VisitPageProps {
  studyId: string;
  visit: { code: string; label: string };
  record: VisitRecordValues;
  /** Whether a record is stored (else the values are empty or as typed). */
  recorded: boolean;
  modes: readonly string[];
  forms: VisitFormGroup[];
  issues: readonly Issue[];
  notice?: string | null;
  editable: boolean;
  /** An investigator of the subject's site: the page offers to sign and lock the whole visit. */
  signer?: { meaning: string } | null;
}

const VISIT_FIELDS: Record<string, { id: string; label: string }> = {
  state: { id: 'v-state-done', label: 'Visit' },
  date: { id: 'v-date', label: 'Visit date' },
  mode: { id: 'v-mode-0', label: 'How the visit took place' },
  missed_reason: { id: 'v-missed-reason', label: 'Why the visit was missed' },
};

const MODE_LABELS: Record<string, string> = {
  clinic: 'Clinic',
  phone: 'Phone',
  epro: 'ePRO (patient online)',
};

function formUrl(studyId: string, visit: string, instrument: string, instance: number): string {
  return `/subjects/${encodeURIComponent(studyId)}/visits/${encodeURIComponent(visit)}/forms/${encodeURIComponent(instrument)}/${instance}`;
}

function VisitRecordForm(props: VisitPageProps) {
  const { record } = props;
  const byField = issuesByField(props.issues);
  const err = (f: string) => byField.get(f) ?? [];
  const url = `/subjects/${encodeURIComponent(props.studyId)}/visits/${encodeURIComponent(props.visit.code)}`;
  return (
    <form method="post" action={url} class="visit-record" novalidate>
      <fieldset class={`field${err('state').length ? ' invalid' : ''}`}>
        <legend>Was the visit done?</legend>
        <FieldError id="v-state" messages={err('state').map((e) => `Visit: ${e}`)} />
        <div class="options">
          <div class="option">
            <input
              type="radio"
              id="v-state-done"
              name="state"
              value="done"
              checked={record.state === 'done'}
            />
            <label for="v-state-done">Done</label>
          </div>
          <div class="option">
            <input
              type="radio"
              id="v-state-missed"
              name="state"
              value="missed"
              checked={record.state === 'missed'}
            />
            <label for="v-state-missed">Missed</label>
          </div>
        </div>
      </fieldset>
      <div class={`field${err('date').length ? ' invalid' : ''}`}>
        <label for="v-date">Visit date (when done)</label>
        <FieldError id="v-date" messages={err('date').map((e) => `Visit date: ${e}`)} />
        <input
          type="date"
          id="v-date"
          name="date"
          value={record.date}
          aria-describedby={err('date').length ? 'v-date-error' : undefined}
        />
      </div>
      <fieldset class={`field${err('mode').length ? ' invalid' : ''}`}>
        <legend>How the visit took place (when done)</legend>
        <FieldError id="v-mode" messages={err('mode').map((e) => `How the visit took place: ${e}`)} />
        <div class="options">
          {props.modes.map((m, i) => (
            <div class="option">
              <input type="radio" id={`v-mode-${i}`} name="mode" value={m} checked={record.mode === m} />
              <label for={`v-mode-${i}`}>{MODE_LABELS[m] ?? m}</label>
            </div>
          ))}
        </div>
      </fieldset>
      <div class={`field${err('missed_reason').length ? ' invalid' : ''}`}>
        <label for="v-missed-reason">Why the visit was missed (when missed)</label>
        <FieldError
          id="v-missed-reason"
          messages={err('missed_reason').map((e) => `Why the visit was missed: ${e}`)}
        />
        <textarea
          id="v-missed-reason"
          name="missed_reason"
          rows={2}
          maxlength={500}
          aria-describedby={err('missed_reason').length ? 'v-missed-reason-error' : undefined}
        >
          {record.missedReason}
        </textarea>
      </div>
      <button type="submit">{props.recorded ? 'Save the visit again' : 'Save the visit'}</button>
    </form>
  );
}

function RecordSummary(props: { record: VisitRecordValues; recorded: boolean }) {
  const { record } = props;
  if (!props.recorded) return <p class="muted">The visit is not recorded yet.</p>;
  if (record.state === 'missed') return <p>Missed: {record.missedReason}</p>;
  return (
    <p>
      Done on {record.date} ({MODE_LABELS[record.mode] ?? record.mode})
    </p>
  );
}

/** Sign or lock every form of this visit of this subject (the bulk steps of /review, for one subject). */
function SignAndLock(props: { studyId: string; visit: string; meaning: string }) {
  return (
    <section class="panel" aria-labelledby="visit-sign-title">
      <h2 id="visit-sign-title">Sign and lock this visit</h2>
      <form method="post" action="/review/sign" class="visit-sign">
        <input type="hidden" name="visit" value={props.visit} />
        <input type="hidden" name="studyIds" value={props.studyId} />
        <p>
          Signing every complete form of this visit means: <strong>{props.meaning}</strong>
        </p>
        <div class="field">
          <label for="v-sign-password">Your password, to sign</label>
          <input type="password" id="v-sign-password" name="password" autocomplete="current-password" />
        </div>
        <button type="submit">Sign the visit</button>
      </form>
      <form method="post" action="/review/lock" class="visit-lock">
        <input type="hidden" name="visit" value={props.visit} />
        <input type="hidden" name="studyIds" value={props.studyId} />
        <div class="field">
          <label for="v-lock-reason">Reason for locking the visit</label>
          <textarea id="v-lock-reason" name="reason" rows={2} maxlength={2000} />
        </div>
        <button type="submit" class="secondary">
          Lock the visit
        </button>
      </form>
    </section>
  );
}

/** One visit of one subject: its date (or why it was missed) and its forms with their state. */
export function VisitPage(props: VisitPageProps) {
  const summary = props.issues.map((i) => {
    const f = VISIT_FIELDS[String(i.path[0] ?? '')];
    return { href: `#${f?.id ?? 'v-date'}`, text: `${f?.label ?? 'Visit'}: ${i.message}` };
  });
  return (
    <article class="visit-page">
      <p class="breadcrumb">
        <a href={`/subjects/${encodeURIComponent(props.studyId)}`}>{props.studyId}</a>
      </p>
      <h1>
        {props.visit.label} <span class="muted">· {props.studyId}</span>
      </h1>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      <ErrorSummary entries={summary} />
      <section class="panel" aria-labelledby="visit-record-title">
        <h2 id="visit-record-title">Visit record</h2>
        <RecordSummary record={props.record} recorded={props.recorded} />
        {props.editable ? <VisitRecordForm {...props} /> : null}
      </section>
      <section class="panel" aria-labelledby="visit-forms-title">
        <h2 id="visit-forms-title">Forms</h2>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Form</th>
                <th scope="col">State</th>
                <th scope="col">Last saved (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {props.forms.flatMap((g) => {
                const rows = g.rows.map((r) => (
                  <tr>
                    <th scope="row">
                      <a href={formUrl(props.studyId, props.visit.code, g.instrument, r.instance)}>
                        {formTitle(g, r.instance)}
                      </a>
                    </th>
                    <td>
                      <span class={`badge status-${r.status}`}>{r.status}</span>
                    </td>
                    <td>{r.updatedAt.slice(0, 16).replace('T', ' ')}</td>
                  </tr>
                ));
                const next = Math.max(0, ...g.rows.map((r) => r.instance)) + 1;
                if (g.rows.length === 0 || g.repeating) {
                  rows.push(
                    <tr>
                      <th scope="row">
                        {props.editable ? (
                          <a
                            href={formUrl(
                              props.studyId,
                              props.visit.code,
                              g.instrument,
                              g.repeating ? next : 1,
                            )}
                          >
                            {g.rows.length === 0 ? g.title : `Add another ${g.title.toLowerCase()}`}
                          </a>
                        ) : (
                          g.title
                        )}
                      </th>
                      <td>
                        <span class="badge status-none">{g.rows.length === 0 ? 'not started' : 'add'}</span>
                      </td>
                      <td>—</td>
                    </tr>,
                  );
                }
                return rows;
              })}
            </tbody>
          </table>
        </div>
      </section>
      {props.signer ? (
        <SignAndLock studyId={props.studyId} visit={props.visit.code} meaning={props.signer.meaning} />
      ) : null}
    </article>
  );
}
