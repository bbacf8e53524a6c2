import type { Child } from 'hono/jsx';
import type {
  CareGapRow,
  DueVisitRow,
  FormLink,
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

/** One column of a worklist's table: its header and what each row shows under it. */
interface Column<R> {
  header: string;
  cell: (row: R) => Child;
}

/** A worklist's table: the participant heads each row, then the list's own columns. */
function WorklistTable<R extends { studyId: string }>(props: { columns: Column<R>[]; rows: R[] }) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Participant</th>
          {props.columns.map((c) => (
            <th scope="col">{c.header}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr>
            <th scope="row">
              <a href={subjectHref(r.studyId)}>{r.studyId}</a>
            </th>
            {props.columns.map((c) => (
              <td>{c.cell(r)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** An instrument's name as the lists show it. */
const instrumentName = (instrument: string) => instrument.replaceAll('_', ' ');

/** A time column: the saved time to the minute, UTC. */
const utcColumn = <R,>(header: string, at: (row: R) => string): Column<R> => ({
  header,
  cell: (r) => at(r).slice(0, 16).replace('T', ' '),
});

/** The Form column: a link to the form that clears the row, its text the list's own. */
const formColumn = <R extends FormLink & { instance?: number }>(text: (row: R) => Child): Column<R> => ({
  header: 'Form',
  cell: (r) => <a href={formHref(r.studyId, r.visit, r.instrument, r.instance)}>{text(r)}</a>,
});

function Rows(props: { data: WorklistData; visitLabels: ReadonlyMap<string, string> }) {
  const d = props.data;
  const visitLabel = (code: string) => props.visitLabels.get(code) ?? code;
  const visit: Column<{ visit: string }> = { header: 'Visit', cell: (r) => visitLabel(r.visit) };
  switch (d.list) {
    case 'due':
    case 'overdue':
    case 'epro-closing':
      return (
        <WorklistTable
          rows={d.rows}
          columns={[
            { header: 'Visit', cell: (r) => <a href={visitHref(r.studyId, r.visit)}>{r.visitLabel}</a> },
            { header: 'State', cell: (r) => <StateBadge state={r.state} /> },
            { header: 'Target', cell: (r) => day(r.target) },
            {
              header: 'Window',
              cell: (r) => (r.windowStart ? `${day(r.windowStart)} to ${day(r.windowEnd)}` : '—'),
            },
            formColumn((r) => `Enter ${instrumentName(r.instrument)}`),
          ]}
        />
      );
    case 'unsigned':
      return (
        <WorklistTable
          rows={d.rows}
          columns={[
            visit,
            formColumn<UnsignedRow>((r) => (
              <>
                {instrumentName(r.instrument)} {r.instance > 1 ? `#${r.instance}` : ''}
              </>
            )),
            { header: 'Entered by', cell: (r) => r.enteredBy },
            utcColumn<UnsignedRow>('Last saved (UTC)', (r) => r.updatedAt),
          ]}
        />
      );
    case 'queries':
      return (
        <WorklistTable
          rows={d.rows}
          columns={[
            visit,
            {
              header: 'Item',
              cell: (r) => (
                <a href={`/queries/${r.queryId}`}>
                  {instrumentName(r.instrument)}: {r.item}
                </a>
              ),
            },
            { header: 'Status', cell: (r) => r.status },
            utcColumn<QueryRow>('Raised (UTC)', (r) => r.raisedAt),
          ]}
        />
      );
    case 'care-gap':
      return (
        <WorklistTable
          rows={d.rows}
          columns={[
            { header: 'Procedure', cell: (r) => r.indexDate },
            { header: 'Days since', cell: (r) => r.daysSinceIndex },
            formColumn((r) => `Osteoporosis care at ${visitLabel(r.visit)}`),
          ]}
        />
      );
    case 'missing':
      return (
        <WorklistTable
          rows={d.rows}
          columns={[
            visit,
            formColumn((r) => instrumentName(r.instrument)),
            { header: 'Missing', cell: (r) => r.missing.map((m) => m.label).join(', ') },
          ]}
        />
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
