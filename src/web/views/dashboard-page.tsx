import type { SiteDashboard } from '../../registry/views/index.js';
import { counted } from '../plural.js';
import { percent } from './view-parts.js';

const BAND_TEXT = { red: 'Red', amber: 'Amber', green: 'Green', none: 'No patients yet' } as const;
/** Bands in the state colours: red as overdue, amber as due, green as done. */
const BAND_CLASS = {
  red: 'state-overdue',
  amber: 'state-due',
  green: 'state-done',
  none: 'state-ended',
} as const;

function SiteSection(props: { d: SiteDashboard; visitLabels: ReadonlyMap<string, string> }) {
  const d = props.d;
  const id = `site-${d.siteId}`;
  return (
    <section class="panel" aria-labelledby={id}>
      <h2 id={id}>
        {d.siteName} ({d.siteId})
      </h2>
      <h3>To do</h3>
      <ul>
        <li>
          <a href="/worklists/overdue">{counted(d.overdueVisits, 'overdue visit')}</a>
        </li>
        <li>
          <a href="/worklists/unsigned">
            {counted(
              d.unsignedForms,
              'unsigned procedure or adverse event',
              'unsigned procedures and adverse events',
            )}
          </a>
        </li>
        <li>
          <a href="/queries">{counted(d.openQueries, 'open query', 'open queries')}</a>
        </li>
        <li>
          <a href="/worklists/care-gap">
            {counted(d.untreated, 'patient')} with no bone medication at 16 weeks
          </a>
        </li>
      </ul>
      <h3>Osteoporosis care (fracture liaison KPIs)</h3>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Care-gap KPIs of {d.siteId}</caption>
          <thead>
            <tr>
              <th scope="col">KPI</th>
              <th scope="col">Met</th>
              <th scope="col">Eligible</th>
              <th scope="col">Proportion</th>
              <th scope="col">Band</th>
            </tr>
          </thead>
          <tbody>
            {d.kpis.map((k) => (
              <tr>
                <th scope="row">{k.label}</th>
                <td>{k.x}</td>
                <td>{k.n}</td>
                <td>{percent(k.prop)}</td>
                <td>
                  <span class={`state ${BAND_CLASS[k.band]}`}>{BAND_TEXT[k.band]}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="muted">Bands: below 50% red, 50–80% amber, above 80% green (as the study report).</p>
      <h3>Follow-up completeness</h3>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Follow-up completeness of {d.siteId} by visit</caption>
          <thead>
            <tr>
              <th scope="col">Visit</th>
              <th scope="col">Expected</th>
              <th scope="col">Seen</th>
              <th scope="col">Complete</th>
              <th scope="col">Out of window</th>
            </tr>
          </thead>
          <tbody>
            {d.completeness.map((c) => (
              <tr>
                <th scope="row">{props.visitLabels.get(c.visit) ?? c.visit}</th>
                <td>{c.expected}</td>
                <td>{c.seen}</td>
                <td>{percent(c.pct)}</td>
                <td>{c.out_of_window}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>Enrolment by month</h3>
      {d.enrolment.length === 0 ? (
        <p>No participant enrolled yet.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Enrolment of {d.siteId} by month</caption>
            <thead>
              <tr>
                <th scope="col">Month</th>
                <th scope="col">Enrolled</th>
                <th scope="col">Total</th>
              </tr>
            </thead>
            <tbody>
              {d.enrolment.map((m) => (
                <tr>
                  <th scope="row">{m.month}</th>
                  <td>{m.enrolled}</td>
                  <td>{m.cumulative}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The site dashboard: one section per site the user reads. */
export function DashboardPage(props: {
  dashboards: readonly SiteDashboard[];
  visitLabels: ReadonlyMap<string, string>;
}) {
  return (
    <>
      <h1>Dashboard</h1>
      {props.dashboards.length === 0 ? <p>No site yet.</p> : null}
      {props.dashboards.map((d) => (
        <SiteSection d={d} visitLabels={props.visitLabels} />
      ))}
    </>
  );
}
