import { INSTRUMENTS } from '../../instruments/index.js';
import { type FormIssues, summaryOf, TextField } from '../admin/form.js';
import { ErrorSummary } from '../error-summary.js';
import { Message, TextArea } from './parts.js';

export interface BatchRow {
  responseId: number;
  studyId: string;
  instrument: string;
  instance: number;
  status: string;
  version: number;
  sdv: string;
  openQueries: number;
}

/**
 * One visit across the subjects the user may see: each form's status, SDV and unclosed queries, and
 * the bulk steps: sign or lock the visit for the ticked subjects (investigator), or mark the ticked
 * forms verified (monitor).
 */
export function BatchPage(props: {
  visits: readonly { code: string; label: string }[];
  visit: string;
  rows: BatchRow[];
  canSignLock: boolean;
  canSdv: boolean;
  meaning: string;
  failed: { form: string; issues: FormIssues } | null;
  problem: string | null;
  notice: string | null;
}) {
  const visitLabel = props.visits.find((v) => v.code === props.visit)?.label ?? props.visit;
  const subjects = [...new Set(props.rows.map((r) => r.studyId))];
  const failed = (form: string) => (props.failed?.form === form ? props.failed.issues : undefined);
  return (
    <article>
      <h1>Review a visit across subjects</h1>
      <Message problem={props.problem} notice={props.notice} />
      <form method="get" action="/review" class="panel">
        <div class="field">
          <label for="batch-visit">Visit</label>
          <select id="batch-visit" name="visit">
            {props.visits.map((v) => (
              <option value={v.code} selected={v.code === props.visit}>
                {v.label}
              </option>
            ))}
          </select>
        </div>
        <p class="actions">
          <button type="submit">Show</button>
        </p>
      </form>
      {props.rows.length === 0 ? (
        <p>No form is recorded at this visit.</p>
      ) : (
        <section class="table-wrap" tabindex={0} aria-label="Forms at this visit">
          <table>
            <caption>Forms at {visitLabel}</caption>
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">Form</th>
                <th scope="col">Status</th>
                <th scope="col">SDV</th>
                <th scope="col">Unclosed queries</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((r) => (
                <tr>
                  <td>{r.studyId}</td>
                  <td>
                    <a href={`/forms/${r.responseId}`}>
                      {INSTRUMENTS.get(r.instrument)?.title ?? r.instrument}
                      {r.instance > 1 ? ` #${r.instance}` : ''}
                    </a>
                  </td>
                  <td>
                    <span class={`badge status-${r.status}`}>{r.status}</span>
                  </td>
                  <td>{r.sdv}</td>
                  <td>{r.openQueries}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {props.canSignLock && subjects.length > 0 ? (
        <>
          <section class="panel" aria-labelledby="bulk-sign-title">
            <h2 id="bulk-sign-title">Sign the visit</h2>
            <form method="post" action="/review/sign">
              <ErrorSummary entries={summaryOf(failed('sign'), { password: 'Your password' }, 'bulk-sign')} />
              <input type="hidden" name="visit" value={props.visit} />
              <Subjects prefix="bulk-sign" subjects={subjects} />
              <p>
                You sign every form of {visitLabel} of the ticked subjects: “{props.meaning}”. All or nothing.
              </p>
              <TextField
                prefix="bulk-sign"
                name="password"
                type="password"
                label="Your password"
                issues={failed('sign')}
                autocomplete="current-password"
                required
              />
              <p class="actions">
                <button type="submit">Sign the visit</button>
              </p>
            </form>
          </section>
          <section class="panel" aria-labelledby="bulk-lock-title">
            <h2 id="bulk-lock-title">Lock the visit</h2>
            <form method="post" action="/review/lock">
              <ErrorSummary entries={summaryOf(failed('lock'), { reason: 'Reason' }, 'bulk-lock')} />
              <input type="hidden" name="visit" value={props.visit} />
              <Subjects prefix="bulk-lock" subjects={subjects} />
              <TextArea prefix="bulk-lock" name="reason" label="Reason" issues={failed('lock')} required />
              <p class="actions">
                <button type="submit">Lock the visit</button>
              </p>
            </form>
          </section>
        </>
      ) : null}
      {props.canSdv && props.rows.length > 0 ? (
        <section class="panel" aria-labelledby="bulk-sdv-title">
          <h2 id="bulk-sdv-title">Mark forms verified against source</h2>
          <form method="post" action="/review/sdv">
            <input type="hidden" name="visit" value={props.visit} />
            <fieldset class="field">
              <legend>Forms (each at the version shown)</legend>
              <div class="options many">
                {props.rows
                  .filter((r) => r.status !== 'draft')
                  .map((r) => (
                    <div class="option">
                      <input
                        type="checkbox"
                        id={`bulk-sdv-${r.responseId}`}
                        name="forms"
                        value={`${r.responseId}:${r.version}`}
                      />
                      <label for={`bulk-sdv-${r.responseId}`}>
                        {r.studyId} {r.instrument} (version {r.version})
                      </label>
                    </div>
                  ))}
              </div>
            </fieldset>
            <p class="actions">
              <button type="submit">Mark verified</button>
            </p>
          </form>
        </section>
      ) : null}
    </article>
  );
}

function Subjects(props: { prefix: string; subjects: string[] }) {
  return (
    <fieldset class="field">
      <legend>Subjects</legend>
      <div class="options many">
        {props.subjects.map((s) => (
          <div class="option">
            <input type="checkbox" id={`${props.prefix}-${s}`} name="studyIds" value={s} checked />
            <label for={`${props.prefix}-${s}`}>{s}</label>
          </div>
        ))}
      </div>
    </fieldset>
  );
}
