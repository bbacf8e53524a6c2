import type {
  CareGapRow,
  DueVisitRow,
  MissingItemsRow,
  QueryRow,
  UnsignedRow,
} from '../../registry/views/index.js';
import { day, formHref, StateBadge, subjectHref, visitHref } from './view-parts.js';

/** The worklists, by their URL segment (`/worklists/:list`). */
export const WORKLISTS = {
  due: 'Visits due this week',
  overdue: 'Overdue visits',
  unsigned: 'Unsigned procedures and adverse events',
  queries: 'Open queries assigned to me',
  'care-gap': 'No bone medication at 16 weeks',
  missing: 'Forms with missing required items',
  'epro-closing': 'ePRO not answered, window closing',
} as const;
export type WorklistName = keyof typeof WORKLISTS;

export type WorklistData =
  | { list: 'due' | 'overdue'; rows: DueVisitRow[]; weekEnd: string }
  | { list: 'epro-closing'; rows: DueVisitRow[] }
  | { list: 'unsigned'; rows: UnsignedRow[]; total: number }
  | { list: 'queries'; rows: QueryRow[] }
  | { list: 'care-gap'; rows: CareGapRow[] }
  | { list: 'missing'; rows: MissingItemsRow[] };

const who = (r: { studyId: string }) => <a href={subjectHref(r.studyId)}>{r.studyId}</a>;

function Rows(props: { data: WorklistData; visitLabels: ReadonlyMap<string, string> }) {
  const d = props.data;
  const visit = (code: string) => props.visitLabels.get(code) ?? code;
  switch (d.list) {
    case 'due':
    case 'overdue':
    case 'epro-closing':
      return (
        <table>
          <thead>
            <tr>
              <th scope="col">Participant</th>
              <th scope="col">Visit</th>
              <th scope="col">State</th>
              <th scope="col">Target</th>
              <th scope="col">Window</th>
              <th scope="col">Form</th>
            </tr>
          </thead>
          <tbody>
            {d.rows.map((r) => (
              <tr>
                <th scope="row">{who(r)}</th>
                <td>
                  <a href={visitHref(r.studyId, r.visit)}>{r.visitLabel}</a>
                </td>
                <td>
                  <StateBadge state={r.state} />
                </td>
                <td>{day(r.target)}</td>
                <td>{r.windowStart ? `${day(r.windowStart)} to ${day(r.windowEnd)}` : '—'}</td>
                <td>
                  <a href={formHref(r.studyId, r.visit, r.instrument)}>
                    Enter {r.instrument.replaceAll('_', ' ')}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      );
    case 'unsigned':
      return (
        <table>
          <thead>
            <tr>
              <th scope="col">Participant</th>
              <th scope="col">Visit</th>
              <th scope="col">Form</th>
              <th scope="col">Entered by</th>
              <th scope="col">Last saved (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {d.rows.map((r) => (
              <tr>
                <th scope="row">{who(r)}</th>
                <td>{visit(r.visit)}</td>
                <td>
                  <a href={formHref(r.studyId, r.visit, r.instrument, r.instance)}>
                    {r.instrument.replaceAll('_', ' ')} {r.instance > 1 ? `#${r.instance}` : ''}
                  </a>
                </td>
                <td>{r.enteredBy}</td>
                <td>{r.updatedAt.slice(0, 16).replace('T', ' ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      );
    case 'queries':
      return (
        <table>
          <thead>
            <tr>
              <th scope="col">Participant</th>
              <th scope="col">Visit</th>
              <th scope="col">Item</th>
              <th scope="col">Status</th>
              <th scope="col">Raised (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {d.rows.map((r) => (
              <tr>
                <th scope="row">{who(r)}</th>
                <td>{visit(r.visit)}</td>
                <td>
                  <a href={`/queries/${r.queryId}`}>
                    {r.instrument.replaceAll('_', ' ')}: {r.item}
                  </a>
                </td>
                <td>{r.status}</td>
                <td>{r.raisedAt.slice(0, 16).replace('T', ' ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      );
    case 'care-gap':
      return (
        <table>
          <thead>
            <tr>
              <th scope="col">Participant</th>
              <th scope="col">Procedure</th>
              <th scope="col">Days since</th>
              <th scope="col">Form</th>
            </tr>
          </thead>
          <tbody>
            {d.rows.map((r) => (
              <tr>
                <th scope="row">{who(r)}</th>
                <td>{r.indexDate}</td>
                <td>{r.daysSinceIndex}</td>
                <td>
                  <a href={formHref(r.studyId, r.visit, r.instrument)}>
                    Osteoporosis care at {visit(r.visit)}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      );
    case 'missing':
      return (
        <table>
          <thead>
            <tr>
              <th scope="col">Participant</th>
              <th scope="col">Visit</th>
              <th scope="col">Form</th>
              <th scope="col">Missing</th>
            </tr>
          </thead>
          <tbody>
            {d.rows.map((r) => (
              <tr>
                <th scope="row">{who(r)}</th>
                <td>{visit(r.visit)}</td>
                <td>
                  <a href={formHref(r.studyId, r.visit, r.instrument, r.instance)}>
                    {r.instrument.replaceAll('_', ' ')}
                  </a>
                </td>
                <td>{r.missing.map((m) => m.label).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      );
  }
}

/** The list of worklists with how many rows each has. */
export function WorklistsIndexPage(props: { counts: Record<WorklistName, number> }) {
  return (
    <>
      <h1>Worklists</h1>
      <ul>
        {(Object.keys(WORKLISTS) as WorklistName[]).map((name) => (
          <li>
            <a href={`/worklists/${name}`}>{WORKLISTS[name]}</a> ({props.counts[name]})
          </li>
        ))}
      </ul>
    </>
  );
}

/** Rows shown on one page of a worklist. */
export const WORKLIST_PAGE_SIZE = 100;

/** One worklist, a page of it: each row links to the form that clears it. */
export function WorklistPage(props: {
  data: WorklistData;
  visitLabels: ReadonlyMap<string, string>;
  page: number;
}) {
  const d = props.data;
  const total = d.list === 'unsigned' ? d.total : d.rows.length;
  const pages = Math.max(1, Math.ceil(total / WORKLIST_PAGE_SIZE));
  const page = Math.min(Math.max(props.page, 1), pages);
  const first = (page - 1) * WORKLIST_PAGE_SIZE;
  // The unsigned list comes one page at a time from the read; the others whole.
  const rows = d.list === 'unsigned' ? d.rows : d.rows.slice(first, first + WORKLIST_PAGE_SIZE);
  const shown = { ...d, rows } as WorklistData;
  const href = (p: number) => `/worklists/${d.list}${p > 1 ? `?page=${p}` : ''}`;
  return (
    <>
      <p>
        <a href="/worklists">All worklists</a>
      </p>
      <h1>{WORKLISTS[d.list]}</h1>
      {d.list === 'due' ? <p>Due up to {d.weekEnd}.</p> : null}
      {total === 0 ? (
        <p>Nothing to do.</p>
      ) : (
        <>
          <nav aria-label="Pages of the worklist">
            <p>
              {total} to do, page {page} of {pages}.{' '}
              {page > 1 ? <a href={href(page - 1)}>Previous page</a> : null}{' '}
              {page < pages ? <a href={href(page + 1)}>Next page</a> : null}
            </p>
          </nav>
          <div class="table-wrap">
            <Rows data={shown} visitLabels={props.visitLabels} />
          </div>
        </>
      )}
    </>
  );
}
