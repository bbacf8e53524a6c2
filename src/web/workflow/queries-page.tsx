import { INSTRUMENTS } from '../../instruments/index.js';
import type { QueryView } from '../../registry/index.js';
import { type FormIssues, summaryOf, TextField } from '../admin/form.js';
import { ErrorSummary } from '../error-summary.js';
import { formTitle } from '../forms/form-title.js';
import { counted } from '../plural.js';
import { Message, TextArea, utc } from './parts.js';

const formUrl = (q: QueryView) =>
  `/subjects/${encodeURIComponent(q.studyId)}/visits/${encodeURIComponent(q.visit)}/forms/${encodeURIComponent(q.instrument)}/${q.instance}`;

/** Visit labels by visit code (the study definition's, `protocol.visits`). */
export type VisitLabels = ReadonlyMap<string, string>;

/**
 * A query's form and item in words, from the definitions: "Pain intensity (NRS / VAS) at Week 2" and
 * the item's label; a code the definitions no longer know is shown as it is.
 */
export function queryNames(q: QueryView, visitLabels: VisitLabels): { form: string; item: string } {
  const def = INSTRUMENTS.get(q.instrument);
  const title = def ? formTitle(def, q.instance) : q.instrument;
  const item = def?.items.find((i) => i.id === q.item)?.label ?? q.item;
  return { form: `${title} at ${visitLabels.get(q.visit) ?? q.visit}`, item };
}

/** The queries the user may read, filtered by status or "assigned to me", newest first. */
export function QueriesPage(props: {
  queries: QueryView[];
  status: string;
  mine: boolean;
  mineLabel: string;
  visitLabels: VisitLabels;
}) {
  return (
    <article>
      <h1>Queries</h1>
      <form method="get" action="/queries" class="panel">
        <div class="field">
          <label for="q-status">Status</label>
          <select id="q-status" name="status">
            {['', 'open', 'answered', 'closed'].map((s) => (
              <option value={s} selected={s === props.status}>
                {s === '' ? 'any' : s}
              </option>
            ))}
          </select>
        </div>
        <div class="option">
          <input type="checkbox" id="q-mine" name="mine" value="1" checked={props.mine} />
          <label for="q-mine">{props.mineLabel}</label>
        </div>
        <p class="actions">
          <button type="submit">Show</button>
        </p>
      </form>
      {props.queries.length === 0 ? (
        <p>No query matches.</p>
      ) : (
        <>
          <p>{counted(props.queries.length, 'query', 'queries')}, newest first.</p>
          <section class="table-wrap" tabindex={0} aria-label="Queries">
            <table>
              <caption class="visually-hidden">Queries</caption>
              <thead>
                <tr>
                  <th scope="col">Query</th>
                  <th scope="col">Subject</th>
                  <th scope="col">Form</th>
                  <th scope="col">Item</th>
                  <th scope="col">Status</th>
                  <th scope="col">Assigned to</th>
                  <th scope="col">Raised</th>
                </tr>
              </thead>
              <tbody>
                {props.queries.map((q) => (
                  <tr>
                    <td>
                      <a href={`/queries/${q.id}`}>Query {q.id}</a>
                    </td>
                    <td>{q.studyId}</td>
                    <td>
                      <a href={formUrl(q)}>{queryNames(q, props.visitLabels).form}</a>
                    </td>
                    <td>{queryNames(q, props.visitLabels).item}</td>
                    <td>
                      <span class="badge">{q.status}</span>
                    </td>
                    <td>{q.assignedTo ?? 'site staff'}</td>
                    <td>
                      {utc(q.raisedAt)} by {q.raisedBy}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </article>
  );
}

export interface QueryActions {
  answer: boolean;
  close: boolean;
  reopen: boolean;
}

/** One query: its thread (who, when, what) and the next steps the user may take. */
export function QueryPage(props: {
  query: QueryView;
  visitLabels: VisitLabels;
  currentValue: string;
  version: number;
  actions: QueryActions;
  failed: { form: string; issues: FormIssues; values: Record<string, string> } | null;
  problem: string | null;
  notice: string | null;
}) {
  const q = props.query;
  const failed = (form: string) => (props.failed?.form === form ? props.failed : null);
  const names = queryNames(q, props.visitLabels);
  return (
    <article>
      <p class="breadcrumb">
        <a href="/queries">Queries</a> ›{' '}
        <a href={`/subjects/${encodeURIComponent(q.studyId)}`}>{q.studyId}</a> ›{' '}
        <a href={formUrl(q)}>{names.form}</a> › <a href={`/forms/${q.responseId}`}>Review</a>
      </p>
      <h1>
        Query {q.id} on {names.item} <span class="badge">{q.status}</span>
      </h1>
      <Message problem={props.problem} notice={props.notice} />
      <p>
        Current value: <strong>{props.currentValue}</strong> (form version {props.version}). Assigned to{' '}
        {q.assignedTo ?? 'the site staff'}.
      </p>
      <ol class="panel thread">
        {q.messages.map((m) => (
          <li>
            <strong>{m.kind}</strong> by {m.author}, {utc(m.at)}
            {m.responseVersion !== null ? ` (amended the form to version ${m.responseVersion})` : ''}:{' '}
            <span>{m.text}</span>
          </li>
        ))}
      </ol>
      {props.actions.answer ? (
        <section class="panel" aria-labelledby="answer-title">
          <h2 id="answer-title">Answer</h2>
          <form method="post" action={`/queries/${q.id}/answer`}>
            <ErrorSummary
              entries={summaryOf(failed('answer')?.issues, { text: 'Answer', value: 'New value' }, 'answer')}
            />
            <input type="hidden" name="version" value={String(props.version)} />
            <TextArea
              prefix="answer"
              name="text"
              label="Answer"
              hint="With a new value: the reason for the change. Without: why the value stays."
              issues={failed('answer')?.issues}
              value={failed('answer')?.values.text ?? ''}
              required
            />
            <TextField
              prefix="answer"
              name="value"
              label="New value (leave empty to keep the value)"
              issues={failed('answer')?.issues}
              value={failed('answer')?.values.value ?? ''}
            />
            <p class="actions">
              <button type="submit">Send the answer</button>
            </p>
          </form>
        </section>
      ) : null}
      {props.actions.close || props.actions.reopen ? (
        <section class="panel" aria-labelledby="review-title">
          <h2 id="review-title">Close or reopen</h2>
          {props.actions.close ? (
            <form method="post" action={`/queries/${q.id}/close`}>
              <TextArea prefix="close" name="text" label="Closing note (optional)" issues={undefined} />
              <p class="actions">
                <button type="submit">Close the query</button>
              </p>
            </form>
          ) : null}
          {props.actions.reopen ? (
            <form method="post" action={`/queries/${q.id}/reopen`}>
              <ErrorSummary entries={summaryOf(failed('reopen')?.issues, { text: 'Why reopen' }, 'reopen')} />
              <TextArea
                prefix="reopen"
                name="text"
                label="Why reopen"
                issues={failed('reopen')?.issues}
                value={failed('reopen')?.values.text ?? ''}
                required
              />
              <p class="actions">
                <button type="submit">Reopen the query</button>
              </p>
            </form>
          ) : null}
        </section>
      ) : null}
    </article>
  );
}
