import type { Protocol } from '../protocol/index.js';

/** The landing page: what this server is; no patient data before sign-in. */
export function HomePage(props: { protocol: Protocol }) {
  const { protocol } = props;
  return (
    <section class="panel">
      <h1>SIF Registry</h1>
      <p class="muted">Multicenter outcomes registry for sacroplasty of sacral insufficiency fractures.</p>
      <p>
        Protocol <strong>{protocol.title}</strong> ({protocol.id} v{protocol.version}).
      </p>
      <p>
        <a class="button" href="/login">
          Sign in
        </a>
      </p>
      <table>
        <caption class="muted">Visit schedule</caption>
        <thead>
          <tr>
            <th scope="col">Visit</th>
            <th scope="col">Forms</th>
          </tr>
        </thead>
        <tbody>
          {protocol.visits.map((v) => (
            <tr>
              <td>{v.label}</td>
              <td>{v.instruments.join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
