import type { InstrumentDef } from '../../instruments/index.js';
import { formTitle } from './form-title.js';
import { shownValue } from './form-values.js';

export interface HistoryRow {
  at: string;
  actor: string;
  action: string;
  item: string;
  old: unknown;
  new: unknown;
  reason: string | null;
}

/** Field-level history of one form from the audit trail: who, when (UTC), item, old → new, why. */
export function HistoryPage(props: {
  studyId: string;
  visit: { code: string; label: string };
  def: InstrumentDef;
  instance: number;
  formUrl: string;
  rows: HistoryRow[];
  statusItem: string;
}) {
  const items = new Map(props.def.items.map((i) => [i.id, i]));
  const title = formTitle(props.def, props.instance);
  return (
    <article>
      <p class="breadcrumb">
        <a href={`/subjects/${encodeURIComponent(props.studyId)}`}>{props.studyId}</a> ›{' '}
        <a
          href={`/subjects/${encodeURIComponent(props.studyId)}/visits/${encodeURIComponent(props.visit.code)}`}
        >
          {props.visit.label}
        </a>{' '}
        › <a href={props.formUrl}>{title}</a>
      </p>
      <h1>
        Field history: {title} <span class="muted">· {props.studyId}</span>
      </h1>
      {props.rows.length === 0 ? (
        <p>No change is recorded for this form.</p>
      ) : (
        <div class="table-wrap">
          <table class="history">
            <thead>
              <tr>
                <th scope="col">When (UTC)</th>
                <th scope="col">Who</th>
                <th scope="col">Item</th>
                <th scope="col">Old</th>
                <th scope="col">New</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((r) => {
                const item = items.get(r.item);
                return (
                  <tr>
                    <td>{r.at.slice(0, 19).replace('T', ' ')}</td>
                    <td>{r.actor}</td>
                    <td>{r.item === props.statusItem ? 'Form status' : (item?.label ?? r.item)}</td>
                    <td>{shownValue(item, r.old)}</td>
                    <td>{shownValue(item, r.new)}</td>
                    <td>{r.reason ?? ''}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </article>
  );
}
