import { CELL_STATES, type GridPage as Grid } from '../../registry/views/index.js';
import { counted } from '../plural.js';
import { CELL_STATE_TEXT, StateBadge, subjectHref, visitHref } from './view-parts.js';

const SDV_TEXT = { verified: 'SDV done', partial: 'SDV partial', none: 'SDV not done' } as const;

/** The grid's URL with some of its query changed (the filter form and the page links share it). */
function gridHref(q: Grid['query'], page: number, pageSize: number): string {
  const params = new URLSearchParams();
  if (q.state) params.set('state', q.state);
  if (q.visit) params.set('visit', q.visit);
  if (q.sort !== 'study_id') params.set('sort', q.sort);
  if (page > 1) params.set('page', String(page));
  if (pageSize !== 50) params.set('pageSize', String(pageSize));
  const text = params.toString();
  return text ? `/subjects?${text}` : '/subjects';
}

function Filters(props: { grid: Grid }) {
  const q = props.grid.query;
  return (
    <form method="get" action="/subjects" class="panel">
      <label for="grid-state">State</label>{' '}
      <select id="grid-state" name="state">
        <option value="">Any</option>
        {CELL_STATES.map((s) => (
          <option value={s} selected={q.state === s}>
            {CELL_STATE_TEXT[s]}
          </option>
        ))}
      </select>{' '}
      <label for="grid-visit">at visit</label>{' '}
      <select id="grid-visit" name="visit">
        <option value="">Any visit</option>
        {props.grid.visits.map((v) => (
          <option value={v.code} selected={q.visit === v.code}>
            {v.label}
          </option>
        ))}
      </select>{' '}
      <label for="grid-sort">Sort by</label>{' '}
      <select id="grid-sort" name="sort">
        <option value="study_id" selected={q.sort === 'study_id'}>
          Study id
        </option>
        <option value="next_due" selected={q.sort === 'next_due'}>
          Next due date
        </option>
      </select>{' '}
      <button type="submit">Show</button>
    </form>
  );
}

function Pages(props: { grid: Grid }) {
  const g = props.grid;
  return (
    <nav aria-label="Pages of participants">
      <p>
        {counted(g.total, 'participant')}, page {g.page} of {g.pages}.{' '}
        {g.page > 1 ? <a href={gridHref(g.query, g.page - 1, g.pageSize)}>Previous page</a> : null}{' '}
        {g.page < g.pages ? <a href={gridHref(g.query, g.page + 1, g.pageSize)}>Next page</a> : null}
      </p>
    </nav>
  );
}

/** The participants × visits grid: filters, one row per participant, one cell per visit. */
export function GridPage(props: { grid: Grid }) {
  const g = props.grid;
  return (
    <>
      <h1>Participants</h1>
      <Filters grid={g} />
      <Pages grid={g} />
      {g.rows.length === 0 ? (
        <p>No participant matches.</p>
      ) : (
        <div class="table-wrap">
          <table class="grid">
            <caption class="visually-hidden">Participants by visit, with each visit's state</caption>
            <thead>
              <tr>
                <th scope="col">Participant</th>
                <th scope="col">Next due</th>
                {g.visits.map((v) => (
                  <th scope="col">{v.label}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {g.rows.map((r) => (
                <tr>
                  <th scope="row">
                    <a href={subjectHref(r.studyId)}>{r.studyId}</a>
                  </th>
                  <td>{r.nextDue ?? '—'}</td>
                  {r.cells.map((c) => (
                    <td>
                      <a href={visitHref(r.studyId, c.visit)}>
                        <StateBadge state={c.state} />
                      </a>
                      {c.sdv ? (
                        <>
                          <br />
                          <span class="muted">{SDV_TEXT[c.sdv]}</span>
                        </>
                      ) : null}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pages grid={g} />
    </>
  );
}
