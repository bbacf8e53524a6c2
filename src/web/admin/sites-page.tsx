import { ErrorSummary } from '../error-summary.js';
import { type FormIssues, summaryOf, TextField } from './form.js';

export const SITE_LABELS: Record<string, string> = { id: 'Site code', name: 'Site name' };

/** Every site and the form that adds one (admin; no patient data). */
export function SitesPage(props: {
  sites: readonly { id: string; name: string }[];
  form?: Record<string, string>;
  issues?: FormIssues;
}) {
  const form = props.form ?? {};
  return (
    <>
      <h1>Sites</h1>
      <ErrorSummary entries={summaryOf(props.issues, SITE_LABELS, 'site')} />
      <section class="panel">
        <h2>All sites</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Code</th>
              <th scope="col">Name</th>
              <th scope="col">Patient pages</th>
            </tr>
          </thead>
          <tbody>
            {props.sites.map((s) => (
              <tr>
                <td>{s.id}</td>
                <td>{s.name}</td>
                <td>
                  <a href={`/admin/sites/${encodeURIComponent(s.id)}/texts`}>Language and texts</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="panel">
        <h2>Add a site</h2>
        <form method="post" action="/admin/sites">
          {props.issues?.[''] ? <p class="field-error">{props.issues[''].join(' ')}</p> : null}
          <TextField
            prefix="site"
            name="id"
            label="Site code"
            issues={props.issues}
            value={form.id ?? ''}
            hint="2–12 capital letters or digits, starting with a letter; it prefixes the site's study ids"
            required
          />
          <TextField
            prefix="site"
            name="name"
            label="Site name"
            issues={props.issues}
            value={form.name ?? ''}
            required
          />
          <button type="submit">Add site</button>
        </form>
      </section>
    </>
  );
}
