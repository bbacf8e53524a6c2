import type { AuditEntry, AuditFilter } from '../../registry/index.js';
import { type FormIssues, summaryOf, TextField } from '../admin/form.js';
import { ErrorSummary } from '../error-summary.js';
import { counted } from '../plural.js';
import { utc } from './parts.js';

const LABELS = {
  subject: 'Subject (study id)',
  user: 'User',
  from: 'From (UTC date)',
  to: 'To (UTC date)',
  action: 'Event type',
};

const HINTS: Partial<Record<keyof typeof LABELS, string>> = {
  action: 'An event type (response.amend) or a family ending in a dot (query.)',
  from: 'YYYY-MM-DD',
  to: 'YYYY-MM-DD',
};

function short(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** The audit trail viewer: filters, one page of events newest first, the next page, the CSV export. */
export function AuditPage(props: {
  filter: Record<keyof typeof LABELS, string>;
  entries: AuditEntry[];
  next: string | null;
  csv: string;
  issues: FormIssues | undefined;
}) {
  return (
    <article>
      <h1>Audit trail</h1>
      <form method="get" action="/audit" class="panel">
        <ErrorSummary entries={summaryOf(props.issues, LABELS, 'audit')} />
        {(Object.keys(LABELS) as (keyof typeof LABELS)[]).map((name) => (
          <TextField
            prefix="audit"
            name={name}
            label={LABELS[name]}
            issues={props.issues}
            value={props.filter[name]}
            {...(HINTS[name] ? { hint: HINTS[name] } : {})}
          />
        ))}
        <p class="actions">
          <button type="submit">Filter</button> <a href={props.csv}>Export these events as CSV</a>
        </p>
      </form>
      {props.entries.length === 0 ? (
        <p>No event matches.</p>
      ) : (
        <>
          <p>{counted(props.entries.length, 'event')} on this page, newest first.</p>
          <section class="table-wrap" tabindex={0} aria-label="Audit events">
            <table class="history">
              <caption class="visually-hidden">Audit events, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">When (UTC)</th>
                  <th scope="col">Who</th>
                  <th scope="col">Event</th>
                  <th scope="col">Subject</th>
                  <th scope="col">What</th>
                  <th scope="col">Before</th>
                  <th scope="col">After</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {props.entries.map((e) => (
                  <tr>
                    <td>{e.id}</td>
                    <td>{utc(e.at)}</td>
                    <td>{e.actor}</td>
                    <td>{e.action}</td>
                    <td>{e.studyId ?? ''}</td>
                    <td>
                      {e.entity} {e.entityId}
                    </td>
                    <td>
                      <code>{short(e.before)}</code>
                    </td>
                    <td>
                      <code>{short(e.after)}</code>
                    </td>
                    <td>{e.reason ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
      {props.next ? (
        <p>
          <a href={props.next}>Older events</a>
        </p>
      ) : null}
    </article>
  );
}

export type { AuditFilter };
