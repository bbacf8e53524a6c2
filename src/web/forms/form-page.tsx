import type { Issue } from '../../errors.js';
import type { InstrumentDef, MissingCodeDef } from '../../instruments/index.js';
import { ErrorSummary, FieldError } from '../error-summary.js';
import { ItemField } from './form-fields.js';
import { formTitle } from './form-title.js';
import {
  controlId,
  type FormValues,
  issueSentence,
  issuesByField,
  issueText,
  shownValue,
} from './form-values.js';
import type { LiveScore } from './live-scores.js';

/** The stored response a form page shows (null: not recorded yet). */
export interface FormResponse {
  status: string;
  version: number;
  enteredBy: string;
  /** Entered by the patient through ePRO. */
  patientEntered?: boolean;
  updatedAt: string;
  scores: Readonly<Record<string, unknown>>;
  lockedBy: string | null;
  signature: { signedBy: string; signedAt: string; meaning: string; state: string } | null;
}

/** A version conflict: who saved first, and for each changed item the saved value and the user's. */
export interface FormConflict {
  message: string;
  rows: { item: string; label: string; theirs: string; yours: string }[];
}

export interface FormPageProps {
  studyId: string;
  visit: { code: string; label: string };
  def: InstrumentDef;
  instance: number;
  response: FormResponse | null;
  values: FormValues;
  issues: readonly Issue[];
  /** A failure that belongs to no field (locked, recorded meanwhile, …). */
  problem?: string | null;
  conflict?: FormConflict | null;
  notice?: string | null;
  editable: boolean;
  live: LiveScore | null;
  codes: readonly MissingCodeDef[];
  /** Which items are fixed (the subject-naming items of the creating form). */
  fixed: ReadonlySet<string>;
  /** The form's own URL. */
  url: string;
  /** The JSON for the live score's script (rendered by the caller with jsonScript). */
  liveJson?: unknown;
}

function formatScore(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return String(Math.round(value * 100) / 100);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

function scoreName(key: string): string {
  return key.replace(/_/g, ' ');
}

/** The scores the server computed on the last save, as stored. */
function SavedScores(props: { scores: Readonly<Record<string, unknown>> }) {
  const entries = Object.entries(props.scores);
  if (entries.length === 0) return null;
  return (
    <section class="panel scores" aria-labelledby="saved-scores">
      <h2 id="saved-scores">Scores saved</h2>
      <dl class="score-list">
        {entries.map(([k, v]) => (
          <>
            <dt>{scoreName(k)}</dt>
            <dd data-score={k}>{formatScore(v)}</dd>
          </>
        ))}
      </dl>
    </section>
  );
}

function StatusLine(props: { response: FormResponse | null }) {
  const r = props.response;
  if (!r) return <p class="muted">Not recorded yet.</p>;
  return (
    <p>
      <span class={`badge status-${r.status}`}>{r.status}</span>{' '}
      {r.patientEntered ? (
        <>
          <span class="badge patient-entered">entered by the patient via ePRO</span>{' '}
        </>
      ) : null}
      <span class="muted">
        version {r.version}, last saved by {r.enteredBy} at {r.updatedAt.slice(0, 16).replace('T', ' ')} UTC
      </span>
      {r.signature ? (
        <span class={`signature signature-${r.signature.state.replace(/\s+/g, '-')}`}>
          {' '}
          · signed by {r.signature.signedBy} at {r.signature.signedAt.slice(0, 16).replace('T', ' ')} UTC: "
          {r.signature.meaning}" ({r.signature.state})
        </span>
      ) : null}
      {r.lockedBy ? <span> · locked by {r.lockedBy}</span> : null}
    </p>
  );
}

function ConflictPanel(props: { conflict: FormConflict }) {
  const { conflict } = props;
  return (
    <section class="panel conflict" aria-labelledby="conflict-title">
      <h2 id="conflict-title">Someone else saved this form first</h2>
      <p>{conflict.message}</p>
      {conflict.rows.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption>Items that differ</caption>
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col">Saved (theirs)</th>
                <th scope="col">Yours (kept in the form below)</th>
              </tr>
            </thead>
            <tbody>
              {conflict.rows.map((r) => (
                <tr>
                  <th scope="row">
                    <a href={`#${controlId(r.item)}`}>{r.label}</a>
                  </th>
                  <td>{r.theirs}</td>
                  <td>{r.yours}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <p>
        Check your values below against the saved ones, then save again: your save now applies to the saved
        version.
      </p>
    </section>
  );
}

function ReadOnly(props: { def: InstrumentDef; values: FormValues; codes: readonly MissingCodeDef[] }) {
  return (
    <dl class="answers">
      {props.def.items.map((item) => {
        const code = props.values.missing[item.id];
        const label = props.codes.find((c) => c.code === code)?.label ?? code;
        return (
          <>
            <dt>{item.label}</dt>
            <dd>{code ? <em>missing: {label}</em> : shownValue(item, props.values.answers[item.id])}</dd>
          </>
        );
      })}
    </dl>
  );
}

/** A form generated from its instrument definition: view, enter, save as draft or complete, amend. */
export function FormPage(props: FormPageProps) {
  const { def, values, response } = props;
  const byField = issuesByField(props.issues);
  const items = new Map(def.items.map((i) => [i.id, i]));
  const conflictItems = new Set(props.conflict?.rows.map((r) => r.item) ?? []);
  const summary: { href: string; text: string }[] = [];
  for (const issue of props.issues) {
    const key = String(issue.path[0] === 'answers' ? (issue.path[1] ?? '') : (issue.path[0] ?? ''));
    if (conflictItems.has(key)) continue;
    const item = items.get(key);
    if (item)
      summary.push({
        href: `#${controlId(item.id)}`,
        text: issueSentence(def.id, item, issue.message),
      });
    else if (key === 'reason')
      summary.push({ href: '#f-reason', text: `Reason for the change: ${issueText(key, issue.message)}` });
    else summary.push({ href: '#form-fields', text: issue.message });
  }
  if (props.problem) summary.unshift({ href: '#form-fields', text: props.problem });
  const amending = response?.status === 'complete';
  const reasonErrors = byField.get('reason') ?? [];
  const title = formTitle(def, props.instance);
  return (
    <article class="form-page">
      <p class="breadcrumb">
        <a href={`/subjects/${encodeURIComponent(props.studyId)}`}>{props.studyId}</a> ›{' '}
        <a
          href={`/subjects/${encodeURIComponent(props.studyId)}/visits/${encodeURIComponent(props.visit.code)}`}
        >
          {props.visit.label}
        </a>
      </p>
      <h1>
        {title} <span class="muted">· {props.studyId}</span>
      </h1>
      <StatusLine response={response} />
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      <ErrorSummary entries={summary} />
      {props.conflict ? <ConflictPanel conflict={props.conflict} /> : null}
      {response ? <SavedScores scores={response.scores} /> : null}
      {response ? (
        <p>
          <a href={`${props.url}/history`}>Field history of this form</a> ·{' '}
          <a href={`${props.url}/review`}>Queries, signature, lock and source data verification</a>
        </p>
      ) : null}
      {def.licence ? <p class="muted licence">{def.licence}</p> : null}
      {props.editable ? (
        <form method="post" action={props.url} class="item-form" id="form-fields" novalidate>
          {response ? <input type="hidden" name="version" value={String(response.version)} /> : null}
          {props.live ? (
            <div class="panel live-score" data-live-score="live-score-data">
              <script type="application/json" id="live-score-data">
                {props.liveJson}
              </script>
              <p>
                <strong>{props.live.label} as you type:</strong>{' '}
                <output id="live-score-value" aria-live="polite">
                  shown when the form is filled in
                </output>
              </p>
              <p class="hint">The registry computes the score again when the form is saved.</p>
            </div>
          ) : null}
          {def.items.map((item) => (
            <ItemField
              item={item}
              codes={props.codes}
              state={{
                value: values.answers[item.id],
                missing: values.missing[item.id],
                errors: (byField.get(item.id) ?? []).map((m) => issueSentence(def.id, item, m)),
                fixed: props.fixed.has(item.id),
              }}
            />
          ))}
          {amending ? (
            <div class={`field reason${reasonErrors.length ? ' invalid' : ''}`}>
              <label for="f-reason">Reason for the change (required once a form is complete)</label>
              <FieldError id="f-reason" messages={reasonErrors.map((e) => `Reason for the change: ${e}`)} />
              <textarea
                id="f-reason"
                name="reason"
                rows={2}
                maxlength={2000}
                aria-describedby={reasonErrors.length ? 'f-reason-error' : undefined}
              >
                {values.reason}
              </textarea>
            </div>
          ) : null}
          <div class="actions">
            {amending ? (
              <button type="submit" name="action" value="complete">
                Save changes
              </button>
            ) : (
              <>
                <button type="submit" name="action" value="complete">
                  Save as complete
                </button>
                <button type="submit" name="action" value="draft" class="secondary">
                  Save draft
                </button>
              </>
            )}
          </div>
        </form>
      ) : null}
      {props.editable && response?.status === 'draft' ? (
        <form method="post" action={`${props.url}/discard`} class="discard">
          <input type="hidden" name="version" value={String(response.version)} />
          <button
            type="submit"
            class="secondary"
            data-confirm="Remove this draft? What it holds stays in the audit trail only."
          >
            Remove this draft
          </button>
        </form>
      ) : null}
      {props.editable ? null : (
        <section class="panel" id="form-fields">
          <ReadOnly def={def} values={values} codes={props.codes} />
        </section>
      )}
    </article>
  );
}
